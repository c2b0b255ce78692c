"""The trend chart and the page "Toezeggingen" in headless Chromium; screenshots for the README."""
from __future__ import annotations

from pathlib import Path

import pytest
from browsing import LAPTOP, PHONE, ROOT, by_css, screenshot, wait_for

pytestmark = pytest.mark.browser

TREND_QUERY = "treinen vertraging NMBS spoorwegen"
TREND_SCREENSHOT = ROOT / "docs" / "screenshot-trend.png"
COMMITMENTS_SCREENSHOT = ROOT / "docs" / "screenshot-commitments.png"


def save_compressed(path: Path, target: Path) -> None:
    """A palette PNG keeps the committed screenshot small."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=128).save(target, optimize=True)
    assert target.stat().st_size < 300_000


def test_trend_chart_in_the_browser(browser, base_url):
    from urllib.parse import urlencode

    browser.set_window_size(*LAPTOP)
    browser.get(f"{base_url}/?{urlencode({'q': TREND_QUERY})}")
    section = wait_for(browser, "section.trend")[0]
    charts = by_css(section, "svg.trend-chart")
    assert len(charts) == 2
    # every bar carries its count as text (readable without colour) and matches the table
    table = {row.get_attribute("textContent").strip(): int(cell.get_attribute("textContent"))
             for row, cell in zip(by_css(section, "table tbody th"), by_css(section, "table tbody td"))}
    year_labels = [t.text for t in by_css(charts[0], "text")]
    years = dict(zip(year_labels[0::2], map(int, year_labels[1::2])))
    assert years and all(table[k] == v for k, v in years.items())
    bars = by_css(charts[1], "rect")
    assert len(bars) == len(by_css(charts[1], "text")) // 2 > 1
    widths = [float(b.get_attribute("width")) for b in bars]
    assert widths == sorted(widths, reverse=True)  # parties by count
    # the table is there for screen readers, not on screen
    hidden = by_css(section, ".visually-hidden")[0]
    assert hidden.size["width"] <= 1 and hidden.get_attribute("textContent").count("\n") > 2
    assert by_css(section, "a.feed-link")[0].text == "Volg deze zoekopdracht"
    save_compressed(screenshot(browser, "trend-laptop.png", LAPTOP, scroll_to=section), TREND_SCREENSHOT)
    screenshot(browser, "trend-phone.png", PHONE, scroll_to=section)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]


def test_commitments_page_in_the_browser(browser, base_url):
    browser.set_window_size(*LAPTOP)
    browser.get(base_url + "/")
    by_css(browser, "header.site a.nav[href=\"/toezeggingen\"]")[0].click()
    items = wait_for(browser, "article.commitment")
    assert "Toezeggingen" in browser.find_element("css selector", "h1").text
    first = items[0]
    assert by_css(first, "blockquote.commitment-text")[0].text.strip()
    assert by_css(first, "dd.due")[0].text.strip()
    link = by_css(first, "p.links a")[0]
    assert "/questions/" in link.get_attribute("href")
    save_compressed(screenshot(browser, "commitments-laptop.png", LAPTOP), COMMITMENTS_SCREENSHOT)
    # the Leiden letter's commitment, with its due date, by filtering on the collection
    browser.get(base_url + "/toezeggingen?source=leiden")
    (leiden,) = wait_for(browser, "article.commitment")
    assert "eerste kwartaal" in leiden.text and "31 maart 2020" in leiden.text
    screenshot(browser, "commitments-phone.png", PHONE)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    link = by_css(leiden, "p.links a")[0]
    link.click()
    wait_for(browser, "body")
    assert "De Prestatieafspraken worden in het eerste kwartaal afgerond" in browser.page_source
