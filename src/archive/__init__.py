"""archive: a searchable local archive of text documents, Arabic-aware."""

__version__ = "0.1.0"
