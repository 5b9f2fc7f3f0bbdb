"""The dashboard of a repository where the real `apply` ran, in a real headless Chromium
(Debian's chromium and chromium-driver, which .ci/run installs), driven through WebDriver:
opened from file:// and from a local HTTP server, no console errors, every model in the
inventory, report links that open the copied audit reports; full-page screenshots are kept as
test artifacts ($MODELOPS_TEST_ARTIFACTS, else test-artifacts/ under pytest's basetemp).
Where Chromium is missing the test is skipped with the install line, so the README's test
command passes on any machine; `.ci/run` installs Chromium and sets MODELOPS_REQUIRE_BROWSER=1,
which turns a missing browser into a failure there.

The repository: the bundled example with its stage history (plan_fixtures.governed_repo),
`apply --adopt`, then a PR promoting credit 1.2.0 to production merged with `--no-ff` and
applied with two approvals under the bundled policies, every gate run for real."""

from __future__ import annotations

import base64
import functools
import os
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from apply_fixtures import approvals, merge_pr, run_apply
from conftest import Result
from plan_fixtures import CREDIT, governed_repo, set_stage

from modelops_gitops.repo.state import load_repository

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
        why = (
            f"headless Chromium is missing: {', '.join(missing)}. Install the Debian packages"
            " with `apt-get install -y chromium chromium-driver` (.ci/run does)."
        )
        if os.environ.get("MODELOPS_REQUIRE_BROWSER") == "1":
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
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
    code, output = run_apply(repo, "--adopt")
    assert code == 0, output
    head, _ = merge_pr(repo, {CREDIT: set_stage("production", "1.2.0")}, branch="promote")
    reviewed = approvals(
        tmp_path, "promote", head, ("priya-validation", "henrik-mrm"), number=12, title="Promote"
    )
    code, output = run_apply(repo, "--approvals", str(reviewed))
    assert code == 0, output
    assert "credit production 1.1.0 -> 1.2.0 (PR #12)" in output
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
    driver.set_window_size(WIDTH, 900)  # measure at a normal height, not the last page's
    height, frame = driver.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    driver.set_window_size(WIDTH, min(int(height) + int(frame), 8000))
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
    assert {b.text.strip() for b in badges} == {"✓ in sync"}  # apply recorded everything
    assert severe(driver) == []
    screenshot(driver, shots / f"dashboard-index-{label}.png")
    pdf = base64.b64decode(driver.print_page())  # the print stylesheet lays out on A4
    assert pdf.startswith(b"%PDF")
    (shots / f"dashboard-index-{label}.pdf").write_bytes(pdf)

    driver.find_element(By.LINK_TEXT, "credit").click()
    assert driver.current_url == base + "models/credit.html"
    images = driver.find_elements(By.CSS_SELECTOR, ".plots img")
    assert images
    for image in images:  # every trend chart loaded and has a size
        assert driver.execute_script("return arguments[0].naturalWidth", image) > 0
    first = driver.find_element(By.CSS_SELECTOR, "table.timeline tbody tr")
    assert "#12" in first.text
    assert "1.1.0 → 1.2.0" in first.text
    links = first.find_elements(By.CSS_SELECTOR, "td.reports a")
    assert [link.get_attribute("data-report") for link in links] == ["html", "md", "json"]
    assert severe(driver) == []
    screenshot(driver, shots / f"dashboard-credit-{label}.png")
    href = links[0].get_attribute("href")
    assert href.endswith("/reports/credit/000006-production-1.2.0.html"), href
    if href.startswith("file://"):
        assert Path(unquote(urlparse(href).path)).is_file(), href
    links[0].click()
    assert driver.current_url == href
    assert driver.title == "Audit record 6: stage.promoted credit production: 1.1.0 → 1.2.0"
    assert severe(driver) == []

    driver.get(base + "models/credit.html")  # the lineage page, from the model page's link
    driver.find_element(By.PARTIAL_LINK_TEXT, "Lineage").click()
    assert driver.current_url == base + "lineage/credit.html"
    graph = driver.find_element(By.CSS_SELECTOR, "svg.lineage")
    assert graph.size["width"] > 0
    assert graph.size["height"] > 0
    assert driver.find_elements(By.CSS_SELECTOR, "table.lineage tbody tr")
    assert severe(driver) == []
    screenshot(driver, shots / f"dashboard-lineage-credit-{label}.png")


def test_the_dashboard_of_an_applied_repository_in_chromium(
    browser: Any, site: tuple[Path, Path], http_site: str, artifacts: Path
) -> None:
    repo, out = site
    check_site(browser, out.resolve().as_uri() + "/", repo, artifacts, "file")
    check_site(browser, http_site, repo, artifacts, "http")
