"""The search page in a real headless Chromium, served by `archive serve`.

Chromium, chromedriver and selenium are optional for a user running the tests:
without them these tests skip, saying what is missing. Under CI (CI=true),
which installs them (.ci/run), they are required: missing, the tests fail.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

SERVER_START_SECONDS = 60


def browser_parts() -> tuple[str | None, str | None, list[str]]:
    """Chromium and chromedriver as found on PATH, and what is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    missing = [
        name
        for name, found in (
            ("chromium", chromium),
            ("chromedriver", chromedriver),
            ("selenium", importlib.util.find_spec("selenium")),
        )
        if not found
    ]
    return chromium, chromedriver, missing


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen) -> None:
    """Poll until the server answers; fail with its output if it exits."""
    import time

    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"archive serve exited {server.returncode}: {server.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"archive serve did not answer at {url}")


@pytest.fixture
def served(seeds_db, tmp_path):
    """`archive serve` for the seeds archive; its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "archive", "serve", "--db", str(seeds_db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/-/versions.json", server)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


@pytest.fixture
def browser(tmp_path):
    chromium, chromedriver, missing = browser_parts()
    if missing:
        reason = f"{' and '.join(missing)} not found (apt-get install chromium chromium-driver)"
        if under_ci():
            pytest.fail(f"CI=true requires the browser tests: {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


# Where the first and the last character of an element's text are drawn.
_FIRST_AND_LAST_CHARACTER_X = """
const element = arguments[0];
const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
const nodes = [];
while (walker.nextNode()) { if (walker.currentNode.data.length) nodes.push(walker.currentNode); }
function x(node, offset) {
  const range = document.createRange();
  range.setStart(node, offset); range.setEnd(node, offset + 1);
  const box = range.getBoundingClientRect();
  return box.left + box.width / 2;
}
const first = nodes[0], last = nodes[nodes.length - 1];
return [x(first, 0), x(last, last.data.length - 1), last.data.slice(-1)];
"""


def test_search_page_in_chromium_marks_arabic_words_right_to_left(browser, served, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/seeds/search?q={quote('القوات')}")
    marks = browser.find_elements(By.CSS_SELECTOR, "td.col-marked_text mark")
    assert {"القوات", "للقوات", "قوات"} <= {m.text for m in marks}
    screenshot = tmp_path / "search-page.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 0
    print(f"screenshot: {screenshot}")

    # A paragraph ending in a full stop: read right to left, the full stop is
    # drawn at the left end, to the left of the first letter.
    paragraphs = browser.find_elements(By.CSS_SELECTOR, "td.col-marked_text .archive-paragraph")
    ending = [p for p in paragraphs if p.text.endswith(".")]
    assert ending
    first_x, last_x, last_character = browser.execute_script(_FIRST_AND_LAST_CHARACTER_X, ending[0])
    assert last_character == "."
    assert last_x < first_x

    # The document link leads to the document's row page.
    browser.find_element(By.CSS_SELECTOR, "td.col-document a").click()
    assert "/seeds/documents/" in browser.current_url
    assert "seeds" in browser.find_element(By.TAG_NAME, "body").text


def test_table_cells_take_their_direction_from_their_text(browser, served):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/seeds/paragraphs?_search={quote('قوات')}")
    cells = browser.find_elements(By.CSS_SELECTOR, "td.col-text")
    assert cells and all(c.value_of_css_property("unicode-bidi") == "plaintext" for c in cells)
    ending = [c for c in cells if c.text.endswith(".")]
    assert ending
    first_x, last_x, _ = browser.execute_script(_FIRST_AND_LAST_CHARACTER_X, ending[0])
    assert last_x < first_x
