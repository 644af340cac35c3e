"""The account report in a real browser: Selenium drives Debian's chromium and chromium-driver, sorts
the accounts table by a column, filters it, and saves screenshots to tests/_artifacts/.

Skips with the reason when Selenium, /usr/bin/chromium or /usr/bin/chromedriver is missing (Debian:
``apt-get install chromium chromium-driver``; ``.ci/run`` installs both).
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from dialogcls.reporting import report

from test_report import ARTIFACTS, COLUMNS, ROWS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            pytest.skip(f"{path} not found: install Debian's {package} (apt-get install chromium chromium-driver)")
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,2000", "--disable-background-networking", "--no-first-run"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    posts = pd.DataFrame(ROWS, columns=COLUMNS)
    return report(posts, by="author", period="M", estimator="cc").to_html(tmp_path_factory.mktemp("browser") / "r.html")


def column_values(driver, table_id: str, column: int) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")
    return [row.find_elements(By.TAG_NAME, "td")[column].text for row in rows if row.is_displayed()]


def header(driver, table_id: str, text: str):
    from selenium.webdriver.common.by import By

    buttons = driver.find_elements(By.CSS_SELECTOR, f"#{table_id} thead th button")
    return next(button for button in buttons if button.text.replace("\n", " ") == text)


def test_sort_and_filter_the_accounts_table(browser, page):
    from selenium.webdriver.common.by import By

    browser.get(page.as_uri())
    assert browser.title.startswith("Dialogue or broadcast?")
    # As rendered: by rank (cityworks 67 %, shopco 30 %, newsdesk 0 %).
    assert column_values(browser, "accounts-table", 1) == ["cityworks", "shopco", "newsdesk"]
    posts = header(browser, "accounts-table", "Posts")
    posts.click()  # ascending by number of posts: 5, 6, 10
    assert column_values(browser, "accounts-table", 2) == ["5", "6", "10"]
    assert column_values(browser, "accounts-table", 1) == ["newsdesk", "cityworks", "shopco"]
    posts.click()  # descending
    assert column_values(browser, "accounts-table", 2) == ["10", "6", "5"]
    th = posts.find_element(By.XPATH, "..")
    assert th.get_attribute("aria-sort") == "descending"
    header(browser, "accounts-table", "Account").click()  # text columns sort alphabetically
    assert column_values(browser, "accounts-table", 1) == ["cityworks", "newsdesk", "shopco"]
    ARTIFACTS.mkdir(exist_ok=True)
    sorted_png = ARTIFACTS / "report-sorted.png"
    browser.save_screenshot(str(sorted_png))

    box = browser.find_element(By.ID, "accounts-filter")
    box.send_keys("shop")
    assert column_values(browser, "accounts-table", 1) == ["shopco"]
    assert browser.find_element(By.ID, "accounts-table-shown").text == "1 of 3 rows"
    filtered_png = ARTIFACTS / "report-filtered.png"
    browser.save_screenshot(str(filtered_png))
    box.clear()
    box.send_keys(" ")  # an empty query shows every row again
    assert len(column_values(browser, "accounts-table", 1)) == 3
    for png in (sorted_png, filtered_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 30_000


def test_periods_table_sorts_by_dialogue_share(browser, page):
    browser.get(page.as_uri())
    header(browser, "periods-table", "Dialogue share").click()
    values = [float(value.rstrip(" %")) for value in column_values(browser, "periods-table", 3)]
    assert values == sorted(values) and len(values) == 6  # cityworks 2, newsdesk 3, shopco 1 month


def test_the_page_loads_nothing_from_the_network(browser, page):
    browser.get(page.as_uri())
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources == []
    # The inline script ran under the page's Content-Security-Policy (sorting buttons are wired).
    assert browser.execute_script("return document.querySelectorAll('table.explore').length") == 2
