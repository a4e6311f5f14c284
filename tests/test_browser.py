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
from urllib.parse import quote

import contextlib
from pathlib import Path

import pytest

SERVER_START_SECONDS = 60
# Screenshots of the pages, kept after the run (gitignored).
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


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
    with serving(seeds_db, tmp_path) as base:
        yield base


@pytest.fixture
def served_newsroom(tmp_path, run):
    """`archive serve` for the newsroom of test_datasette_search (sources,
    dates, reprints, three pages of hits); its base URL."""
    from test_datasette_search import FIELDS, write_newsroom

    write_newsroom(tmp_path / "news")
    db = tmp_path / "newsroom.db"
    assert run("import", tmp_path / "news", "--db", db, "--fields", FIELDS).exit_code == 0
    with serving(db, tmp_path) as base:
        yield base


@contextlib.contextmanager
def serving(db, tmp_path):
    """`archive serve` for db, run in tmp_path, until the block ends; its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "archive", "serve", "--db", str(db), "--port", str(port)],
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


def screenshot(browser, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    assert browser.save_screenshot(str(path)) and path.stat().st_size > 0
    print(f"screenshot: {path}")
    return path


def assert_right_to_left(browser, element) -> None:
    """A paragraph ending in a full stop, read right to left: the full stop
    is drawn at the left end, to the left of the first letter."""
    first_x, last_x, last_character = browser.execute_script(_FIRST_AND_LAST_CHARACTER_X, element)
    assert last_character == "."
    assert last_x < first_x


def assert_title_right_to_left(browser, element) -> None:
    """An Arabic title starts at the right edge of its block."""
    box = browser.execute_script("return arguments[0].getBoundingClientRect()", element)
    link = browser.execute_script("return arguments[0].firstElementChild.getBoundingClientRect()", element)
    assert abs(link["right"] - box["right"]) < 2 and link["left"] > box["left"] + 10


def test_search_page_in_chromium_marks_arabic_words_right_to_left(browser, served):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/seeds/search?q={quote('القوات')}")
    marks = browser.find_elements(By.CSS_SELECTOR, ".archive-hit .archive-paragraph mark")
    assert {"القوات", "للقوات", "قوات"} <= {m.text for m in marks}
    screenshot(browser, "search-seeds")
    paragraphs = browser.find_elements(By.CSS_SELECTOR, ".archive-hit .archive-paragraph")
    ending = [p for p in paragraphs if p.text.endswith(".")]
    assert ending
    assert_right_to_left(browser, ending[0])


def hit_texts(browser) -> list[str]:
    from selenium.webdriver.common.by import By

    return [p.text for p in browser.find_elements(By.CSS_SELECTOR, ".archive-hit .archive-paragraph")]


def test_search_pages_facets_and_article_in_chromium(browser, served_newsroom):
    from selenium.webdriver.common.by import By
    from test_datasette_search import ARTICLES, WIRE

    word = "الرياض"
    browser.get(f"{served_newsroom}/newsroom/search?q={quote(word)}")
    counts = browser.find_element(By.CSS_SELECTOR, ".archive-counts").text
    assert counts == f"{ARTICLES + ARTICLES // 4} paragraphs ({ARTICLES + 1} without reprints) in {ARTICLES} documents"
    first_page = hit_texts(browser)
    assert len(first_page) == 20 == len(set(first_page))
    assert_right_to_left(browser, browser.find_elements(By.CSS_SELECTOR, ".archive-hit .archive-paragraph")[0])
    # The reprinted paragraph, shown once, lists its other copies when opened.
    folded = browser.find_element(By.CSS_SELECTOR, ".archive-also")
    assert folded.text == f"also in {ARTICLES // 4 - 1} other documents"
    folded.find_element(By.TAG_NAME, "summary").click()
    assert len([a for a in folded.find_elements(By.TAG_NAME, "a") if a.is_displayed()]) == ARTICLES // 4 - 1
    screenshot(browser, "search-newsroom")

    # The next page goes on where the first stopped.
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    second_page = hit_texts(browser)
    assert second_page and not set(second_page) & set(first_page)
    browser.back()

    # A facet filters the results to its count.
    okaz = browser.find_element(By.XPATH, "//ul[@class='archive-facet-source']/li[a='okaz']")
    expected = int(okaz.text.split()[1])
    okaz.find_element(By.TAG_NAME, "a").click()
    assert "where=source%3Dokaz" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, ".archive-counts").text.startswith(f"{expected} paragraphs")
    places = browser.find_elements(By.CSS_SELECTOR, ".archive-hit .archive-where")
    assert places and all("source okaz" in place.text for place in places)
    screenshot(browser, "search-facet-okaz")

    # A hit leads to its article, scrolled to the hit, marked.
    wire = next(hit for hit in browser.find_elements(By.CSS_SELECTOR, ".archive-hit")
                if WIRE in hit.text)
    title = wire.find_element(By.CSS_SELECTOR, ".archive-title")
    assert_title_right_to_left(browser, title)
    title.find_element(By.TAG_NAME, "a").click()
    assert "/newsroom/article/" in browser.current_url
    hit = browser.find_element(By.CSS_SELECTOR, "p.archive-hit")
    assert hit.text == WIRE and f"#{hit.get_attribute('id')}" in browser.current_url
    assert hit.find_element(By.TAG_NAME, "mark").text == word
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", hit)
    assert 0 <= top < browser.execute_script("return window.innerHeight")
    assert browser.execute_script("return window.scrollY") > 0
    assert_right_to_left(browser, hit)
    screenshot(browser, "article")
    browser.find_element(By.CSS_SELECTOR, "a.archive-back").click()
    assert "/newsroom/search?" in browser.current_url and "where=source%3Dokaz" in browser.current_url


def test_table_cells_take_their_direction_from_their_text(browser, served):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/seeds/paragraphs?_search={quote('قوات')}")
    cells = browser.find_elements(By.CSS_SELECTOR, "td.col-text")
    assert cells and all(c.value_of_css_property("unicode-bidi") == "plaintext" for c in cells)
    ending = [c for c in cells if c.text.endswith(".")]
    assert ending
    first_x, last_x, _ = browser.execute_script(_FIRST_AND_LAST_CHARACTER_X, ending[0])
    assert last_x < first_x
