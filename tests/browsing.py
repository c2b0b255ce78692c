"""Helpers for the browser tests (headless Chromium through selenium; the ``browser`` fixture:
conftest.py). Screenshots go to tests/output/ (git-ignored)."""
from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "output"
LAPTOP, PHONE = (1366, 900), (390, 844)
WAIT_S = 60


def by_css(scope, selector: str) -> list:
    """Elements matching ``selector`` in the page (scope = the driver) or inside one element."""
    from selenium.webdriver.common.by import By

    return scope.find_elements(By.CSS_SELECTOR, selector)


def wait_for(driver, selector: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S).until(
        expected_conditions.presence_of_all_elements_located((By.CSS_SELECTOR, selector)))


def screenshot(driver, name: str, size: tuple[int, int], scroll_to=None) -> Path:
    driver.set_window_size(*size)
    if scroll_to is not None:
        driver.execute_script("arguments[0].scrollIntoView()", scroll_to)
    path = OUTPUT / name
    driver.save_screenshot(str(path))
    return path
