"""Section evidence: headings, the closing matter under the questions, signatures, footnotes.

Headings are recognised by vocabulary *and* shape, in any case and with or
without a colon: a question heading is a whole line such as ``Vragen``,
``VRAGEN:``, ``Schriftelijke vragen (ex artikel 45 RvO)`` or a line ending in
``de volgende vragen:``; an answer-section heading is a whole line such as
``Antwoorden``, ``ANTWOORDEN VAN HET COLLEGE``, ``Beantwoording door het
college, 2 april 2024`` or ``Antwoorddatum: ...``. A bare ``Antwoord:`` or
``Antwoord 2`` is an answer *marker* (see :mod:`.markers`), not a section.

Signatures are told apart by the shape of their lines (:mod:`.signatures`):
under the last question (also directly under it, without a blank line) and
in the intro (``namens de fractie van D66, Jan Bakker``).
"""
from __future__ import annotations

import re

from . import signatures
from .dates import DATE_PATTERN
from .similarity import ECHO_THRESHOLD, best_match

_CLOSING = re.compile(r"^[ \t]*(?:Mededeling[ \t]*$|Toelichting[ \t]*(?::|$))", re.MULTILINE)
ANSWER_SECTION = re.compile(
    r"^[ \t]*(?:Antwoorddatum|Datum[ \t]+(?:van[ \t]+)?(?:het[ \t]+)?(?:antwoord|beantwoording)"
    r"|(?:(?:Antwoorden|Beantwoording)(?:[ \t]+(?:van|door|namens)\b[^\n:]{0,120}"
    r"|[ \t]+op[ \t]+(?:de[ \t]+)?(?:\w+[ \t]+)?vragen\b(?![ \t]*\d)[^\n:]{0,120})?"
    r"|(?:Antwoord|Reactie)[ \t]+(?:van|door|namens)[ \t]+(?:het[ \t]+)?(?:college|burgemeester|wethouder)[^\n:]{0,120})"
    r"[ \t]*:?[ \t]*$)",
    re.MULTILINE | re.IGNORECASE,
)
QUESTION_HEADING = re.compile(
    r"^[ \t]*(?:(?:(?:schriftelijke|aanvullende|technische|mondelinge|art(?:ikel|\.)?[ \t]*\d+[ \t]*-?)[ \t]*|raads)?"
    r"vragen(?:[ \t]+aan[ \t]+(?:het[ \t]+)?(?:college|B&W|burgemeester)[^\n?:]{0,60})?"
    r"(?:[ \t]+\(?(?:ex[ \t]+)?art(?:ikel|\.)?[ \t]*\d+\w*(?:[ \t]+\w+)?\)?)?"
    r"|[^\n?.]{0,60}\bvragen\b[^\n?.]{0,40}:)[ \t]*:?[ \t]*$",  # "Wij hebben de volgende vragen:", "Mijn vragen zijn:"
    re.MULTILINE | re.IGNORECASE,
)
_FOOTNOTE_LINE = re.compile(r"[ \t]*\d{1,2}\)[ \t]")
_RULE_LINE = re.compile(r"[ \t]*_{5,}[ \t]*$")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
MAX_SIGNATURE_LINES = 6


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in BLANK_LINE.split(text) if p.strip()]


def cut_closing(text: str) -> tuple[str, list[str]]:
    """Cut where closing matter begins: a ``Mededeling``/``Toelichting`` section, an answer-section heading."""
    cut = min((m.start() for m in (_CLOSING.search(text), ANSWER_SECTION.search(text)) if m), default=None)
    if cut is None:
        return text.strip(), []
    return text[:cut].strip(), [text[cut:].strip()]


#: the college's closing under its last answer: greeting, "Burgemeester en wethouders van X," and the signers
_COLLEGE_CLOSING = re.compile(
    r"^[ \t]*(?:(?:het\s+)?college\s+van\s+burgemeester\s+en\s+wethouders|burgemeester\s+en\s+wethouders)"
    r"(?:\s+van\s+[^\n,]+)?\s*,?[ \t]*$"
    r"|^[ \t]*(?:met\s+(?:vriendelijke|hartelijke)\s+groet(?:en)?|hoogachtend)\s*,?[ \t]*$"
    r"|^[ \t]*de\s+(?:gemeente)?secretaris\s*,"
    rf"|^[ \t]*[A-Z][\w'’-]+,[ \t]*(?:\w+dag[ \t]+)?{DATE_PATTERN}[ \t]*$",  # "Leiden, 29 oktober 2024"
    re.MULTILINE | re.IGNORECASE,
)


def cut_college_closing(answer: str) -> tuple[str, list[str]]:
    """The last answer without the college's closing and signature block (kept apart for ``other``)."""
    match = _COLLEGE_CLOSING.search(answer)
    if not match or not answer[: match.start()].strip():
        return answer, []
    return answer[: match.start()].rstrip(), [answer[match.start():].strip()]


def split_signature(text: str) -> tuple[str, list[str]]:
    """Signature lines at the end of ``text``, also when they follow the last line without a blank line."""
    lines = text.rstrip().split("\n")
    cut = len(lines)
    while cut > 1 and len(lines) - cut < MAX_SIGNATURE_LINES and (
            not lines[cut - 1].strip() or signatures.signature_line(lines[cut - 1])
            or _under_a_name(lines, cut - 1)):
        cut -= 1
    signature = [line.strip() for line in lines[cut:] if line.strip()]
    if not signature or not "\n".join(lines[:cut]).strip():
        return text.strip(), []
    return "\n".join(lines[:cut]).strip(), signature


def _under_a_name(lines: list[str], index: int) -> bool:
    """A short capitalised line right under a name line is its party, however unknown ("Testpartij")."""
    line = lines[index].strip()
    above = lines[index - 1].strip() if index else ""
    return (bool(line) and line[0].isupper() and len(line.split()) <= 4 and line[-1] not in ".?!:;,"
            and not re.search(r"\d", line) and signatures.looks_like_name(above))


def pull_intro_parts(intro: str) -> tuple[str, list[str], list[str]]:
    """Question headings and signature lines leave the intro: (intro, headings, signature lines)."""
    headings = [m.group(0).strip() for m in QUESTION_HEADING.finditer(intro)]
    intro = QUESTION_HEADING.sub("", intro)
    kept: list[str] = []
    signed: list[str] = []
    for paragraph in paragraphs(intro):
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        if _signature_block(lines):  # "Namens de fractie van X," above "Name"; "Name" above "Party"
            signed.extend(lines)
            continue
        for line in lines:
            (signed if signatures.signature_line(line) and _stands_alone(line) else kept).append(line)
        kept.append("")
    intro = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return intro, headings, signed


def _signature_block(lines: list[str]) -> bool:
    """A paragraph of two to six signature lines naming a person and a party between them."""
    if not 2 <= len(lines) <= MAX_SIGNATURE_LINES or not all(signatures.signature_line(line) for line in lines):
        return False
    authors, parties = signatures.from_lines(lines, [])
    return bool(authors and parties)


def _stands_alone(line: str) -> bool:
    """An intro line that is only a signature: names with a party, or "namens ..."; a bare name could be prose."""
    authors, parties = signatures.split_names_and_parties(line)
    return bool(authors and parties)


def title_line(intro: str) -> tuple[str, str]:
    """A first line that stands alone and ends without a full stop is the letter's title."""
    first, _, rest = intro.partition("\n")
    first = first.strip()
    alone = not rest.strip() or rest.startswith("\n") or BLANK_LINE.match("\n" + rest)
    words = first.split()
    if not first or not alone or not 3 <= len(words) <= 30 or first[-1] in ".,;:?!" or not rest.strip() or not any(
            w.islower() for w in words):  # "AH 617", "2024Z18294": a reference, not a title
        return "", intro
    return first, rest.strip()


def _is_footnote(line: str) -> bool:
    """``1) Leidsch Dagblad, 10 juni 2024, ...``; ``1) Is het college ...?`` is a question numbered the same way."""
    return bool(_FOOTNOTE_LINE.match(line)) and "?" not in line


def split_footnotes(text: str) -> tuple[str, str]:
    """Trailing ``1) source, date`` lines end a DOCX: under a ``_____`` rule, citing a source (a date, a URL),
    or pointed at by a mark in the text."""
    lines = text.split("\n")
    cut = len(lines)
    while cut and (not lines[cut - 1].strip() or _is_footnote(lines[cut - 1])):
        cut -= 1
    numbers = [m.group(1) for line in lines[cut:] if (m := re.match(r"[ \t]*(\d{1,2})\)", line))]
    if not numbers:
        return text, ""
    ruled = cut and _RULE_LINE.match(lines[cut - 1])
    cut -= 1 if ruled else 0
    notes = [line for line in lines[cut:] if _FOOTNOTE_LINE.match(line)]
    cited = all(_SOURCE.search(line) for line in notes)
    if cut == 0 or not (ruled or cited or _marked("\n".join(lines[:cut]), numbers[0])):
        return text, ""  # "1) Ja, met ingang van 2025." under "Beantwoording" is an answer, not a note
    return "\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]).strip()


#: what a note cites: a full date, a URL, a parliamentary paper
_SOURCE = re.compile(rf"{DATE_PATTERN}|https?://|www\.|\bnr\.\s*\d|Kamerstuk", re.IGNORECASE)


def _marked(text: str, number: str) -> bool:
    """Does ``text`` point at note ``number``: ``bericht 1)`` or ``geacteerd? 1)`` (not ``? 2) Wat``, an item)?"""
    return bool(re.search(rf"\S[ \t]?{number}\)(?=[ \t]*(?:$|[.,;:?]|[a-z]))", text, re.MULTILINE))


LIST_MARK = re.compile(r"^[ \t]*(?:[-•*–·▪◦]|\(?\d{1,3}[.):)]|\(?[a-z][.)]|[IVX]{1,4}[.)])[ \t]+")


def list_items(paragraph: str) -> list[str]:
    """A paragraph's lines as list items: a marked line (``-``, ``1.``, ``a)``) or a line after one that
    ends a sentence starts an item; other lines continue the item above (a wrapped line)."""
    return [" ".join(lines) for lines in _item_lines(paragraph)]


def _item_lines(paragraph: str) -> list[list[str]]:
    items: list[list[str]] = []
    for line in paragraph.split("\n"):
        if not line.strip():
            continue
        if not items or LIST_MARK.match(line) or items[-1][-1].rstrip()[-1:] in "?:.!":
            items.append([line.strip()])
        else:
            items[-1].append(line.strip())
    return items


def pull_repeated_questions(intro: str, questions: list[str]) -> tuple[str, list[str]]:
    """List items of the intro that repeat a question (a list asked again with the answers) leave it."""
    if not questions or not intro:
        return intro, []
    removed: list[str] = []
    kept: list[str] = []
    for paragraph in paragraphs(intro):
        lines: list[str] = []
        for item in _item_lines(paragraph):
            joined = " ".join(item)
            if "?" in joined and best_match(LIST_MARK.sub("", joined), questions)[1] >= ECHO_THRESHOLD:
                removed.append(joined)
            else:
                lines.extend(item)  # kept line by line: "Name" above "Party" stays a signature
        kept.append("\n".join(lines))
    return "\n\n".join(p for p in kept if p.strip()), removed
