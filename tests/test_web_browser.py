"""The web page in headless Chromium (selenium): search, read, filter; on a laptop and a phone.

Screenshots go to tests/output/ (git-ignored); the laptop search screenshot is
also written, compressed, to docs/screenshot-search.png for the README.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browsing import LAPTOP, PHONE, ROOT, by_css, screenshot, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.model]  # the page over the session index

README_SCREENSHOT = ROOT / "docs" / "screenshot-search.png"
LEIDEN_QUERY = "scheefwonen sociale huurwoningen"


def search_for(driver, base_url: str, query: str, party: str | None = None) -> list:
    from selenium.webdriver.support.ui import Select

    driver.get(base_url + "/")
    box = by_css(driver, "textarea#q")[0]
    box.clear()
    box.send_keys(query)
    if party:
        Select(by_css(driver, "select#party")[0]).select_by_value(party)
    by_css(driver, "form.search button[type=submit]")[0].click()
    return wait_for(driver, "article.result")


def save_for_readme(path: Path) -> None:
    """A palette PNG keeps the committed screenshot well under 300 KB."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        shutil.copyfile(path, README_SCREENSHOT)
    else:
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=128).save(README_SCREENSHOT, optimize=True)
    assert README_SCREENSHOT.stat().st_size < 300_000


def test_search_read_and_filter_in_the_browser(browser, base_url, service):
    browser.set_window_size(*LAPTOP)
    browser.get(base_url + "/")
    assert "Wat staat erin?" in browser.page_source
    screenshot(browser, "home-laptop.png", LAPTOP)

    results = search_for(browser, base_url, LEIDEN_QUERY)
    first = results[0]
    assert "Sociaal scheefwonen" in first.text and "Partij Sleutelstad" in first.text
    question, answer = (by_css(first, f".qa .{part} .text")[0] for part in ("question", "answer"))
    assert question.text.strip() and answer.text.strip()
    assert by_css(browser, "article.result mark")
    # Laptop: question and answer side by side.
    assert question.location["y"] == answer.location["y"] and question.location["x"] < answer.location["x"]
    save_for_readme(screenshot(browser, "search-laptop.png", LAPTOP))

    # Phone: the answer stacks under the question.
    screenshot(browser, "search-phone.png", PHONE, scroll_to=by_css(browser, ".count")[0])
    question, answer = (by_css(browser, f"article.result .qa .{part}")[0] for part in ("question", "answer"))
    assert answer.location["y"] > question.location["y"]
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    browser.set_window_size(*LAPTOP)

    # The document page lists every question with its answer.
    by_css(browser, "article.result a.document-link")[0].click()
    wait_for(browser, "article.document")
    assert "/documents/" in browser.current_url
    assert len(by_css(browser, "article.document .qa .answer")) == 6
    screenshot(browser, "document-laptop.png", LAPTOP)

    # Similar questions from the document page: direct matches, or a few related ones labelled so.
    by_css(browser, "a.similar-link")[0].click()
    cards = wait_for(browser, "article.result")
    assert 1 <= len(cards) <= 5 and "Vergelijkbare vragen" in browser.page_source
    screenshot(browser, "similar-laptop.png", LAPTOP)

    # A party filter keeps only that party's documents.
    party = service.store.facet("party")[0][0]
    filtered = search_for(browser, base_url, "woningen en huur", party=party)
    for card in filtered:
        parties = [p.text.lower() for p in by_css(card, ".party")]
        assert party.lower() in parties
    screenshot(browser, "party-filter-laptop.png", LAPTOP)

