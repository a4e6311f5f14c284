"""The SQLite library the archive's connections use.

sqlite-utils and Datasette both take pysqlite3 when it can be imported (the
way their documentation gives to run a newer SQLite) and fall back to the
standard library's sqlite3.  The archive's own connections, and the errors
it catches, must come from the same module as theirs: a pysqlite3 error
raised through a sqlite-utils connection is not a `sqlite3.Error`, and would
reach the user as a traceback instead of one line.

>>> sqlite3.connect(":memory:").execute("select 1").fetchone()
(1,)
"""

try:
    import pysqlite3 as sqlite3
except ImportError:
    import sqlite3

__all__ = ["sqlite3"]
