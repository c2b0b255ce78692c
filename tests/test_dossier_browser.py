"""The page "Nieuwe brief" in headless Chromium: paste a letter, see the warnings, download the DOCX."""
from __future__ import annotations

import time

import pytest
from browsing import LAPTOP, by_css, screenshot, wait_for
from test_dossier import LETTER, QUESTIONS

pytestmark = [pytest.mark.browser, pytest.mark.model]


def wait_for_download(folder, suffix: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {list(folder.iterdir())}")


def test_paste_a_letter_see_the_warnings_and_download(browser, base_url, tmp_path):
    from docx import Document

    browser.get(base_url + "/")
    by_css(browser, "header.site a.nav")[0].click()
    box = wait_for(browser, "textarea#letter-text")[0]
    box.send_keys(LETTER)
    by_css(browser, "form.letter button[type=submit]")[0].click()
    warnings = wait_for(browser, "section.asked-before li.warning")
    assert [w.get_attribute("data-question") for w in warnings] == ["1", "2"]
    sections = by_css(browser, "section.dossier-question")
    assert len(sections) == len(QUESTIONS)
    # the warnings come first, then each question with its precedents' questions and answers side by side
    assert warnings[0].location["y"] < sections[0].location["y"]
    assert by_css(sections[0], "article.result .qa .answer .text")
    screenshot(browser, "dossier-laptop.png", LAPTOP)

    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    by_css(browser, "form.downloads button.download-docx")[0].click()
    word = Document(str(wait_for_download(tmp_path, ".docx")))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Eerder gesteld" in text and all(q in text for q in QUESTIONS)
