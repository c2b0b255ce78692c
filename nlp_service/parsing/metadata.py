"""Title, dates, authors and parties from a document's header lines.

Sources, in the order they are trusted:

* labelled lines: ``Indiendatum: 3 februari 2020``, ``Door: A en B``,
  ``Antwoorddatum: ...``, ``Onderwerp: ...``, ``Fractie: ...``;
* the Tweede Kamer header: ``Vragen van het lid X (PARTY) aan ... over ...
  (ingezonden 30 oktober 2024)`` and ``... (ontvangen 19 november 2024)``;
* the signature under the questions: ``Name (Party)`` lines, or a name line
  followed by a party line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import DATE_PATTERN, parse_date

_LABELS = {
    "submitted": ("indiendatum", "datum indiening", "ingediend op", "ingediend", "datum"),
    "answered": ("antwoorddatum", "datum antwoord", "datum beantwoording", "beantwoord op"),
    "authors": ("door", "indiener", "indieners", "vraagsteller", "vraagstellers", "ingediend door"),
    "parties": ("fractie", "partij"),
    "title": ("onderwerp", "titel", "betreft"),
}
_LABEL_LINE = re.compile(
    r"^[ \t]*(?P<label>" + "|".join(sorted((l for ls in _LABELS.values() for l in ls), key=len, reverse=True))
    + r")[ \t]*:[ \t]*(?P<value>[^\n]*)$",
    re.MULTILINE | re.IGNORECASE,
)
_SUBMITTED = re.compile(rf"\(ingezonden\s+({DATE_PATTERN})\)", re.IGNORECASE)
_RECEIVED = re.compile(rf"\(ontvangen\s+({DATE_PATTERN})\)", re.IGNORECASE)
# "van het lid X (P) aan", "de leden X en Y (beiden P) hebben"; not "de leden der Kamer"
_MEMBERS = re.compile(
    r"\b(?:het|de)\s+(?:lid|leden)\s+(?!der\b)(?:lid\s+)?(?P<who>.{1,300}?)"
    r"\s+(?=(?:aan|over|schriftelijke|hebben|heeft|van\s+uw|ingezonden)\b)",
    re.IGNORECASE,
)
_TK_TITLE = re.compile(
    r"Vragen van (?:het|de) (?:lid|leden) .+? over (?P<title>.+?)(?:\s*\(ingezonden|\s+(?:Antwoord|Mededeling) van\b|\s*$)"
)
_NAME_PARTY = re.compile(r"(?P<names>[^()]+?)\s*\((?P<party>[^()]+)\)")
_NAME_SPLIT = re.compile(r"\s*,\s*|\s+en\s+|\s+&\s+")
_GROUP_WORDS = re.compile(r"^(?:beiden|beide|allen|alle)\s+", re.IGNORECASE)
_GLUED_NAME = re.compile(r"(?<=[a-zà-ÿ])(?=[A-Z])")  # "DaniëlleJansen" from PDF extraction


@dataclass
class Metadata:
    title: str = ""
    submitted: str | None = None
    answered: str | None = None
    authors: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)

    def fill_from(self, other: "Metadata") -> None:
        """Take ``other``'s values where this one has none."""
        self.title = self.title or other.title
        self.submitted = self.submitted or other.submitted
        self.answered = self.answered or other.answered
        self.authors = self.authors or other.authors
        self.parties = self.parties or other.parties


def _add(items: list[str], *values: str) -> None:
    for value in values:
        value = value.strip(" .,;´`'")
        if value and value not in items:
            items.append(value)


#: what no party name holds: a question mark, quotes, brackets (a footnote or a sentence read as a party)
_NOT_IN_PARTY = re.compile(r"[?«»“”\"():;]")
MAX_PARTY_WORDS = 4  # "Nieuw Sociaal Contract", "Partij voor de Dieren"


def _add_parties(items: list[str], *values: str) -> None:
    """Party names only: extraction junk ("Shell?1 2", "beheerd»?1") is left out."""
    _add(items, *(v for v in values if not _NOT_IN_PARTY.search(v) and len(v.split()) <= MAX_PARTY_WORDS))


def split_names_and_parties(text: str) -> tuple[list[str], list[str]]:
    """``"A (X) en B (Y)"``, ``"A en B (beiden X)"``, ``"A, B en C"`` -> names, parties."""
    authors: list[str] = []
    parties: list[str] = []
    cursor = 0
    for match in _NAME_PARTY.finditer(text):
        _add(authors, *_names(match.group("names")))
        _add_parties(parties, _GROUP_WORDS.sub("", match.group("party").strip()))
        cursor = match.end()
    _add(authors, *_names(text[cursor:]))
    return authors, parties


def _names(text: str) -> list[str]:
    text = re.sub(r"^\s*(?:,|en\b)\s*", "", text.strip())
    text = re.sub(r"\s+c\.s\.?$", "", text)
    return [_GLUED_NAME.sub(" ", name).strip() for name in _NAME_SPLIT.split(text) if name.strip()]


def label_lines(text: str) -> list[re.Match]:
    return list(_LABEL_LINE.finditer(text))


def from_labels(text: str) -> Metadata:
    meta = Metadata()
    for match in label_lines(text):
        label, value = match.group("label").lower(), match.group("value").strip()
        if label in _LABELS["submitted"] and not meta.submitted:
            meta.submitted = parse_date(value)
        elif label in _LABELS["answered"] and not meta.answered:
            meta.answered = parse_date(value)
        elif label in _LABELS["authors"]:
            authors, parties = split_names_and_parties(value)
            _add(meta.authors, *authors)
            _add(meta.parties, *parties)
        elif label in _LABELS["parties"]:
            _add_parties(meta.parties, *_NAME_SPLIT.split(value))
        elif label in _LABELS["title"] and not meta.title:
            meta.title = value
    return meta


def from_parliament_header(header: str) -> Metadata:
    """The Tweede Kamer header sentence and the ``(ingezonden ...)``/``(ontvangen ...)`` dates."""
    flat = re.sub(r"\s+", " ", header)
    meta = Metadata()
    if match := _SUBMITTED.search(flat):
        meta.submitted = parse_date(match.group(1))
    if match := _RECEIVED.search(flat):
        meta.answered = parse_date(match.group(1))
    if match := _MEMBERS.search(flat):
        meta.authors, meta.parties = split_names_and_parties(match.group("who"))
    if match := _TK_TITLE.search(flat[:3000]):
        meta.title = match.group("title").strip().rstrip(".")
    return meta


def from_signature(lines: list[str], known_authors: list[str]) -> Metadata:
    """``Name (Party)`` lines, or name then party lines, under the questions."""
    meta = Metadata()
    for line in lines:
        if _NAME_PARTY.fullmatch(line.strip()):
            authors, parties = split_names_and_parties(line)
            _add(meta.authors, *authors)
            _add_parties(meta.parties, *parties)
        elif line in known_authors or (not known_authors and not meta.authors):
            _add(meta.authors, line)
        else:
            _add_parties(meta.parties, line)
    return meta
