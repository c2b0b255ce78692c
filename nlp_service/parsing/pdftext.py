"""PDF text with its layout: body text apart from running headers, page numbers and footnotes.

pypdf (BSD-3-Clause, already a dependency) hands every text fragment to a
visitor with its position and font size; from those this module rebuilds the
lines of each page and sorts them by evidence that holds for any letter:

* **page furniture**: a line in the top or bottom tenth of the page that
  recurs on other pages (digits ignored: ``Pagina 2 van 3``), a bare page
  number (``3``, ``- 3 -``, ``Pagina 3 van 4``), or a line in a smaller font
  at the very edge (outer 6 %);
* **footnote bodies**: lines in a smaller font than the body, below the last
  body line of the page, starting with a note number (``1 Source`` or
  ``1Source``; ``2. Ja`` in a small font is an answer item), continuation
  lines following;
* **footnote markers**: digits in a smaller font inside a body line (a
  superscript ``¹``) are dropped;
* **wrapped lines** are joined: a line that reaches the right margin (its
  length near the page's longest lines) continues on the next one, unless that
  one starts a numbered item; a vertical gap wider than the usual line
  spacing starts a new paragraph (a blank line).

Furniture and footnotes are returned apart (they go to ``Document.other``).
Chosen by measurement on the PDF test letters (tests/letters, 8 pages, one
process, shared 2-core machine, 2 December 2026): pypdf with this visitor and
layout pass 4.4 ms a page, its plain ``extract_text`` 3.6 ms; pdfplumber
0.11.10 (MIT, on pdfminer.six) ``extract_words`` with font sizes 51.1 ms a page
and two dependencies more (an earlier run on 4 pages: 4.0, 2.8 and 56.6 ms). PyMuPDF is AGPL: not considered.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

BAND = 0.1  # top and bottom tenth of the page: where running headers and footers live
SMALL = 0.9  # a font below 90% of the body size is a footnote's or a superscript's
_PAGE_NUMBER = re.compile(r"^(?:(?:pagina|page|blz\.?|p\.)\s*)?[-–—]?\s*\d{1,3}\s*[-–—]?(?:\s*(?:van|of|/)\s*\d{1,3})?$",
                          re.IGNORECASE)
_ITEM_START = re.compile(r"^(?:\(?\d{1,3}[.):]|\(?[a-z][.)]\s|[IVX]{1,4}[.)]\s|[-•*–]\s|(?:Vraag|Antwoord|Ad)\b)")
#: "1 Source ..." or "1Source": a note number; "2. Ja, ..." or "2) ..." in a smaller font is an answer item
_FOOTNOTE_START = re.compile(r"^\d{1,3}(?:\s+|(?=[A-Z«“\"']))\S")
EDGE = 0.06  # the outer band where a line in a small font is furniture even on one page


@dataclass
class _Line:
    page: int
    y: float
    parts: list[tuple[float, str, float]] = field(default_factory=list)  # (x, text, size)

    @property
    def size(self) -> float:
        sizes = Counter()
        for _, text, size in self.parts:
            sizes[round(size, 1)] += len(text.strip())
        return sizes.most_common(1)[0][0] if sizes else 0.0

    def text(self, body_size: float = 0.0) -> str:
        """The line's text; digits in a much smaller font than the body (footnote marks) left out."""
        pieces = []
        for _, text, size in sorted(self.parts, key=lambda p: p[0]):
            if body_size and size < SMALL * body_size and re.fullmatch(r"\s*[\d*†]{1,3}\s*", text):
                continue
            pieces.append(text)
        return re.sub(r"[ \t]+", " ", "".join(pieces)).strip()


@dataclass
class PdfText:
    body: str
    furniture: list[str] = field(default_factory=list)  # running headers, footers, page numbers
    footnotes: list[str] = field(default_factory=list)
    empty_pages: list[int] = field(default_factory=list)  # 1-based: pages without a text layer


def read_layout(reader) -> PdfText:
    """Body text, furniture and footnotes of a ``pypdf.PdfReader``."""
    pages = [_page_lines(page, number) for number, page in enumerate(reader.pages)]
    heights = [float(page.mediabox.height) for page in reader.pages]
    lines = [line for page in pages for line in page]
    result = PdfText("", empty_pages=[n + 1 for n, page in enumerate(pages) if not page])
    if not lines:
        return result
    body_size = _body_size(lines)
    recurring = _recurring(pages, heights)
    kept: list[_Line] = []
    for number, page in enumerate(pages):
        furniture = [_is_furniture(line, line.text(body_size), heights[number], body_size, recurring) for line in page]
        result.furniture += [line.text(body_size) for line, out in zip(page, furniture) if out]
        page = [line for line, out in zip(page, furniture) if not out]
        last_body = min((line.y for line in page if line.size >= SMALL * body_size), default=0.0)
        in_footnote = False
        for line in page:
            text = line.text(body_size)
            if line.size < SMALL * body_size and line.y < last_body and (in_footnote or _FOOTNOTE_START.match(text)):
                result.footnotes.append(line.text())
                in_footnote = True
            else:
                kept.append(line)
    result.body = _join(kept, body_size)
    return result


def _is_furniture(line: _Line, text: str, height: float, body_size: float, recurring: set[str]) -> bool:
    if _in_band(line, height) and (_key(text) in recurring or _PAGE_NUMBER.match(text)):
        return True
    return line.size < SMALL * body_size and _in_band(line, height, EDGE)


def _page_lines(page, number: int) -> list[_Line]:
    fragments: list[tuple[float, float, str, float]] = []

    def visit(text, cm, tm, font_dict, font_size) -> None:
        if not text or not text.strip():
            if fragments and " " in (text or ""):  # a space pypdf put between two shows: keep the words apart
                y0, x0, last, size0 = fragments[-1]
                fragments[-1] = (y0, x0, last + " ", size0)
            return
        scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * ((cm[2] ** 2 + cm[3] ** 2) ** 0.5 or 1.0)
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        for offset, piece in enumerate(text.split("\n")):
            if piece.strip():
                fragments.append((y - offset * font_size * scale * 1.2, x, piece, font_size * (scale or 1.0)))

    page.extract_text(visitor_text=visit)
    lines: list[_Line] = []
    for y, x, text, size in sorted(fragments, key=lambda f: (-f[0], f[1])):
        if lines and abs(lines[-1].y - y) <= 0.5 * max(size, 1.0):
            lines[-1].parts.append((x, text, size))
        else:
            lines.append(_Line(number, y, [(x, text, size)]))
    return lines


def _body_size(lines: list[_Line]) -> float:
    sizes = Counter()
    for line in lines:
        for _, text, size in line.parts:
            sizes[round(size, 1)] += len(text)
    return sizes.most_common(1)[0][0]


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _in_band(line: _Line, height: float, band: float = BAND) -> bool:
    return line.y > height * (1 - band) or line.y < height * band


def _recurring(pages: list[list[_Line]], heights: list[float]) -> set[str]:
    """Texts (digits ignored) of band lines found on at least two pages."""
    seen = Counter()
    for number, page in enumerate(pages):
        seen.update({_key(line.text()) for line in page if _in_band(line, heights[number])})
    return {key for key, count in seen.items() if count >= 2 and len(pages) >= 2}


def _ends_sentence(previous: str, text: str) -> bool:
    """A full line ending a sentence before a capital may end its paragraph: keep the line break."""
    return previous.endswith(":") or previous[-1:] in ".?!;" and text[:1].isupper()


def _join(lines: list[_Line], body_size: float) -> str:
    """Lines to text: wrapped lines joined, paragraph gaps as blank lines, pages as paragraph breaks."""
    texts = [line.text(body_size) for line in lines]
    lengths = sorted(len(t) for t in texts)
    full = 0.8 * lengths[int(len(lengths) * 0.9)] if lengths else 0
    gaps = sorted(a.y - b.y for a, b in zip(lines, lines[1:]) if a.page == b.page and a.y > b.y)
    spacing = gaps[len(gaps) // 4] if gaps else body_size * 1.2  # the usual line distance (lower quartile)
    out = texts[0] if texts else ""
    for previous, line, prev_text, text in zip(lines, lines[1:], texts, texts[1:]):
        same_page = line.page == previous.page
        if same_page and previous.y - line.y > 1.45 * spacing:
            out += "\n\n" + text
        elif len(prev_text) >= full and not _ITEM_START.match(text) and not _ends_sentence(prev_text, text):
            hyphen = prev_text.endswith("-") and text[:1].islower()
            out = out[:-1] + text if hyphen else out + " " + text
        else:
            out += ("\n" if same_page else "\n\n") + text
    return out
