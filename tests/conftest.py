"""Shared fixtures: the team's seeds, the shared real article, a built archive."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
SHARED_SEEDS = SHARED / "seeds"
SHARED_CORPUS = SHARED / "corpus" / "saudinewsnet.tar.xz"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def run(runner, tmp_path, monkeypatch):
    """Run the CLI in a temporary working directory; returns the click Result."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHIVE_DB", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


def imported(run, folder, db):
    result = run("import", folder, "--db", db)
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def seeds_db(tmp_path, run):
    """An archive of the team's seeds, at tmp_path/seeds.db."""
    return imported(run, SEEDS, tmp_path / "seeds.db")


@pytest.fixture
def shared_seeds_db(tmp_path, run):
    """An archive of the shared real article (skipped when shared/ is absent)."""
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    return imported(run, SHARED_SEEDS, tmp_path / "shared.db")


@pytest.fixture
def news_db(tmp_path, run):
    """An archive of a copy of the seeds in ./news, under the working
    directory, so paths are displayed relative (news/07-....txt)."""
    import shutil

    shutil.copytree(SEEDS, tmp_path / "news")
    db = tmp_path / "news.db"
    result = run("import", "news", "--db", db)
    assert result.exit_code == 0, result.output
    return db
