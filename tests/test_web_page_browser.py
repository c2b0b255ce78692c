"""The search page as a griffie member uses it, in headless Chromium (selenium): Enter searches,
the skip link, honest relevance ("Geen directe treffers"), sorting by date, the way back with
every filter, axe-core on every kind of page, and a printed result page (issue 21).

axe-core is installed by scripts/test.sh (npm, pinned) into the git-ignored tests/vendor/ and
injected into the page through selenium. Screenshots for the README go to docs/.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from browsing import LAPTOP, OUTPUT, PHONE, ROOT, WAIT_S, by_css, screenshot, wait_for
from test_web_browser import LEIDEN_QUERY, search_for

pytestmark = [pytest.mark.browser, pytest.mark.model]  # the page over the session index

AXE = ROOT / "tests" / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = {"results-desktop.png": "docs/screenshot-results-desktop.png",
               "results-phone.png": "docs/screenshot-results-phone.png"}
NONSENSE = "xyzzyqwv"


def type_query_and_press_enter(driver, base_url: str, query: str) -> None:
    from selenium.webdriver.common.keys import Keys

    driver.get(base_url + "/")
    box = by_css(driver, "textarea#q")[0]
    box.clear()
    box.send_keys(query)
    box.send_keys(Keys.ENTER)


def test_enter_searches_and_shift_enter_makes_a_new_line(browser, base_url):
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(*LAPTOP)
    browser.get(base_url + "/")
    box = by_css(browser, "textarea#q")[0]
    box.send_keys("scheefwonen", Keys.SHIFT, Keys.ENTER, Keys.SHIFT, "sociale huurwoningen")
    assert box.get_attribute("value") == "scheefwonen\nsociale huurwoningen" and "?q=" not in browser.current_url
    assert "Shift+Enter" in by_css(browser, "#q-hint")[0].text
    box.send_keys(Keys.ENTER)
    wait_for(browser, "article.result")
    assert "q=scheefwonen" in browser.current_url


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_results(browser, base_url):
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(*LAPTOP)
    browser.get(base_url + "/?q=" + LEIDEN_QUERY.replace(" ", "+"))
    by_css(browser, "body")[0].send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip" and focused.get_attribute("href").endswith("#resultaten")
    assert focused.is_displayed()
    focused.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "resultaten"
    browser.switch_to.active_element.send_keys(Keys.TAB)  # onward from the results, not back into the form
    assert browser.execute_script("return document.activeElement.closest('#resultaten') !== null")


def test_a_nonsense_query_shows_no_direct_match_and_no_card_labelled_a_match(browser, base_url):
    browser.set_window_size(*LAPTOP)
    type_query_and_press_enter(browser, base_url, NONSENSE)
    wait_for(browser, "#results-heading")
    assert by_css(browser, "#results-heading")[0].text == "Geen directe treffers"
    assert not by_css(browser, "article.result.direct")
    for card in by_css(browser, "article.result"):
        assert "Verwante vraag" in card.text and "Directe treffer" not in card.text and "Treffer in" not in card.text


def test_sorting_by_date_keeps_the_relevant_letter(browser, base_url):
    from selenium.webdriver.support.ui import Select

    browser.set_window_size(*LAPTOP)
    browser.get(base_url + "/?q=scheefwonen")
    from selenium.webdriver.support.ui import WebDriverWait

    Select(by_css(browser, "select#sort")[0]).select_by_value("date")
    by_css(browser, "form.search button[type=submit]")[0].click()
    WebDriverWait(browser, WAIT_S).until(lambda driver: "sort=date" in driver.current_url)
    cards = wait_for(browser, "article.result.direct")
    assert "Sociaal scheefwonen" in cards[0].text and "nieuwste eerst" in by_css(browser, ".count")[0].text


def test_a_back_link_keeps_the_party_filter_and_the_place(browser, base_url):
    from selenium.webdriver.support.ui import Select

    search_for(browser, base_url, "scheefwonen", party="Partij Sleutelstad")
    by_css(browser, "article.result a.document-link")[0].click()
    wait_for(browser, "article.document")
    by_css(browser, ".crumb a")[0].click()
    wait_for(browser, "article.result")
    assert "party=Partij+Sleutelstad" in browser.current_url and browser.current_url.endswith("#brief-1")
    assert Select(by_css(browser, "select#party")[0]).first_selected_option.get_attribute("value") == "Partij Sleutelstad"
    assert by_css(browser, "textarea#q")[0].get_attribute("value") == "scheefwonen"


def run_axe(driver) -> list[dict]:
    """axe-core's serious and critical violations on the page now open."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: scripts/test.sh installs axe-core with npm", pytrace=False)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))));")
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path,size", [
    ("/?q=scheefwonen+sociale+huurwoningen", LAPTOP),
    ("/?q=scheefwonen+sociale+huurwoningen", PHONE),
    ("/?q=xyzzyqwv", LAPTOP),
    ("/?q=woning&since=2022-01-01&until=2020-01-01", LAPTOP),
    ("/?q=scheefwonen&party=Partij+Sleutelstad&since=2030-01-01", LAPTOP),
    ("/", PHONE),
    ("/documents/{doc}?q=scheefwonen&pos=1", LAPTOP),
    ("/questions/{question}?q=scheefwonen&pos=1", LAPTOP),
    ("/questions/{question}", PHONE),
    ("/bestaat-niet", LAPTOP),
])
def test_no_serious_or_critical_accessibility_violation(browser, base_url, service, path, size):
    hit = service.search(service.make_request("scheefwonen", k=1)).results[0]
    browser.set_window_size(*size)
    browser.set_script_timeout(WAIT_S)
    browser.get(base_url + path.format(doc=hit.document["id"], question=hit.question["id"]))
    assert run_axe(browser) == []


def test_a_printed_result_page_holds_a_long_answer_whole(browser, base_url, service):
    import base64
    import io
    import re
    import unicodedata

    from pypdf import PdfReader

    query = "jeugdcriminaliteit preventie"
    response = service.search(service.make_request(query, k=30))
    shown = [hit for r in response.results for hit in (r, *(r.more if r.match == "direct" else ()))]  # as the page
    longest = max((r for r in shown if r.match == "direct" and r.answer), key=lambda r: len(r.answer))
    assert len(longest.answer) > 2000
    browser.set_window_size(*LAPTOP)
    browser.get(f"{base_url}/?q={query.replace(' ', '+')}&k=30")
    assert by_css(browser, "details.rest:not([open])"), "on screen the long answer is folded"
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})["data"])
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)

    def words(value: str) -> str:  # NFKC: the PDF's text holds ligatures ("ﬀ")
        return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", value)))

    assert words(longest.answer) in words(text), "the whole answer, in order, on paper"
    assert "Zoeken" not in text.split(longest.document["title"][:20])[0], "no form above the letters"
    assert "Meer resultaten" not in text and "Vergelijkbare vragen" not in text
    assert "ingediend" in text  # source and date with each item
    # each letter starts a page: the first page that names a letter's title differs per letter
    titles = [c.find_element("css selector", ".result-title").text for c in by_css(browser, "article.result.letter")]
    pages = [words(page.extract_text() or "") for page in reader.pages]
    first_pages = [next(i for i, page in enumerate(pages) if words(title[:30]) in page) for title in titles[:3]]
    assert len(titles) >= 2 and first_pages == sorted(set(first_pages)), first_pages
    (OUTPUT / "results-print.pdf").write_bytes(pdf)
    card = next(c for c in by_css(browser, "article.result") if c.get_attribute("data-document-id") == str(longest.document["id"]))
    screenshot_as_printed(browser, card.get_attribute("id"))


def screenshot_as_printed(driver, anchor: str) -> None:
    """docs/screenshot-print.png: the page in print media (what the PDF holds), at the letter ``anchor``."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        driver.set_window_size(820, 1100)
        driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", anchor)
        for details in by_css(driver, "details.rest"):
            driver.execute_script("arguments[0].open = true", details)
        save_png(screenshot(driver, "print.png", (820, 1100)), ROOT / "docs" / "screenshot-print.png")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.set_window_size(*LAPTOP)


def save_png(source: Path, target: Path) -> None:
    from PIL import Image

    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=64).save(target, optimize=True)
    assert target.stat().st_size < 300_000


def test_results_screenshots_desktop_and_phone(browser, base_url):
    browser.get(base_url + "/?q=" + LEIDEN_QUERY.replace(" ", "+"))
    wait_for(browser, "article.result")
    save_png(screenshot(browser, "results-desktop.png", LAPTOP), ROOT / SCREENSHOTS["results-desktop.png"])
    browser.set_window_size(*PHONE)
    browser.get(base_url + "/?q=" + LEIDEN_QUERY.replace(" ", "+"))
    wait_for(browser, "article.result")
    phone = screenshot(browser, "results-phone.png", PHONE)
    assert not by_css(browser, "details.filter-panel[open]"), "on a phone the filters start folded"
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    save_png(phone, ROOT / SCREENSHOTS["results-phone.png"])
    browser.set_window_size(*LAPTOP)
