"""`archive forget`: remove the documents whose files no longer exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .db import check_writable
from .gone import documents_under, file_gone
from .importer import Report, remove_documents
from .paths import describe_os_error, from_printable

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class ForgetSummary:
    paths: list[str] = field(default_factory=list)  # the documents removed, or to remove (stored form)
    kept: int = 0
    failed: int = 0
    dry_run: bool = False

    def line(self) -> str:
        removed = f"{len(self.paths)} {'to remove (dry run: nothing changed)' if self.dry_run else 'removed'}"
        return f"{removed}, {self.kept} kept, {self.failed} failed"


def forget(
    db: sqlite_utils.Database, root: str | None = None, dry_run: bool = False, report: Report | None = None
) -> ForgetSummary:
    """Remove the documents whose files no longer exist, under root (see
    documents_under: the folder may be gone too) or everywhere; with
    dry_run, only tell which.  A document whose file cannot be checked is
    reported ("failed") and kept."""
    report = report or (lambda kind, path, why: None)
    summary = ForgetSummary(dry_run=dry_run)
    if not dry_run:
        check_writable(db)  # before anything is checked: it may refuse
    gone = []
    for document_id, path in documents_under(db, root):
        try:
            if not file_gone(path):
                summary.kept += 1
                continue
        except OSError as error:
            summary.failed += 1
            report("failed", path, describe_os_error(error, Path(from_printable(path))))
            continue
        gone.append(document_id)
        summary.paths.append(path)
    if gone and not dry_run:
        remove_documents(db, gone)
    return summary
