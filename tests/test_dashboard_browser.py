"""The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, which
.ci/run installs), driven through WebDriver: opened from file:// and from a local HTTP server,
no console errors, every model in the inventory, report links that resolve; a screenshot is
kept as a test artifact ($MODELOPS_TEST_ARTIFACTS, else test-artifacts/ under pytest's
basetemp). A machine without Chromium fails these tests: they are not optional."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from conftest import Result
from plan_fixtures import governed_repo
from test_dashboard_site import write_audit

from modelops_gitops.state import load_repository

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WIDTH = 1280


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(
            f"headless Chromium is required and missing: {', '.join(missing)}. Install the"
            " Debian packages with `apt-get install -y chromium chromium-driver` (.ci/run does).",
            pytrace=False,
        )
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must download nothing
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def site(cli: Callable[..., Result], tmp_path: Path) -> tuple[Path, Path]:
    """(repository, site folder)"""
    repo = governed_repo(tmp_path)
    write_audit(repo)
    out = tmp_path / "site"
    result = cli("report", "--repo", str(repo), "--out", str(out))
    assert result.code == 0, result
    return repo, out


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("MODELOPS_TEST_ARTIFACTS")
    folder = Path(configured) if configured else tmp_path_factory.getbasetemp() / "test-artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def http_site(site: tuple[Path, Path]) -> Iterator[str]:
    """The site served on 127.0.0.1 (an ephemeral port) by http.server, in a thread."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site[1]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def severe(driver: Any) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver: Any, path: Path) -> None:
    """The whole page: the window grown to the document's height first."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(int(height) + 120, 6000))
    assert driver.save_screenshot(str(path)), path
    assert path.stat().st_size > 10_000


def check_site(driver: Any, base: str, repo: Path, shots: Path, label: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "index.html")
    assert driver.title.startswith("Inventory"), driver.title
    rows = driver.find_elements(By.CSS_SELECTOR, "table.inventory tbody tr")
    shown = [row.get_attribute("data-model") for row in rows]
    assert shown == sorted(load_repository(repo).models), shown
    for row in rows:
        assert row.is_displayed()
    badges = driver.find_elements(By.CSS_SELECTOR, "table.inventory .badge")
    assert {b.text.strip() for b in badges} >= {"✓ in sync", "⚠ unapproved drift"}
    assert severe(driver) == []
    screenshot(driver, shots / f"dashboard-index-{label}.png")

    driver.find_element(By.LINK_TEXT, "credit").click()
    assert driver.current_url == base + "models/credit.html"
    images = driver.find_elements(By.CSS_SELECTOR, ".plots img")
    assert images
    for image in images:  # every trend chart loaded and has a size
        assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
    links = driver.find_elements(By.CSS_SELECTOR, "td.reports a")
    assert {link.get_attribute("data-report") for link in links} == {"html", "md", "json"}
    assert severe(driver) == []
    screenshot(driver, shots / f"dashboard-credit-{label}.png")
    report = next(link for link in links if link.get_attribute("data-report") == "html")
    href = report.get_attribute("href")
    if href.startswith("file://"):
        assert Path(unquote(urlparse(href).path)).is_file(), href
    report.click()
    assert driver.current_url == href
    assert driver.find_element(By.TAG_NAME, "p").text == "report"
    assert severe(driver) == []


def test_dashboard_from_file_url(browser: Any, site: tuple[Path, Path], artifacts: Path) -> None:
    repo, out = site
    check_site(browser, out.resolve().as_uri() + "/", repo, artifacts, "file")


def test_dashboard_over_http(
    browser: Any, site: tuple[Path, Path], http_site: str, artifacts: Path
) -> None:
    check_site(browser, http_site, site[0], artifacts, "http")
