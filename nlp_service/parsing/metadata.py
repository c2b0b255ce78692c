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

from . import signatures
from .dates import DATE_PATTERN, MONTH_NAMES, MONTHS, parse_date

#: label vocabulary, as regular expressions; a value follows a ":" (or, for the labels in
#: _NO_COLON, a space: "Indiendatum 3 februari 2020"). "datum" and "verzonden" name no role
#: of their own: before the questions they date the submission, after them the answer.
_LABELS = {
    "submitted": (r"indien(?:ings)?datum", r"datum\s+(?:van\s+)?(?:indiening|indienen|ontvangst)", r"ingediend(?!\s+door)(?:\s+op)?",
                  r"datum\s+vragen", r"ingezonden(?:\s+op)?", r"ingekomen(?:\s+op)?", r"datum\s+ontvangst",
                  r"ontvangen(?:\s+op)?"),
    "answered": (r"antwoorddatum", r"datum\s+(?:van\s+(?:het\s+)?)?(?:antwoord|beantwoording)", r"beantwoord(?:\s+op)?",
                 r"datum\s+(?:collegebesluit|verzending\s+antwoord)"),
    "dated": (r"datum", r"verzonden(?:\s+op)?", r"verzend(?:datum|ing)", r"datum\s+verzending"),
    "authors": (r"door", r"indiener(?:\(?s\)?)?", r"vra(?:ag|gen)steller(?:\(?s\)?)?", r"ingediend\s+door", r"steller(?:s)?",
                r"raadslid", r"raadsleden", r"van", r"naam\s+(?:indiener|raadslid|vragensteller)(?:\(?s\)?)?",
                r"(?:schriftelijke\s+)?vragen\s+van"),
    "parties": (r"fractie", r"partij", r"fracties"),
    "title": (r"onderwerp", r"titel", r"betreft", r"inzake"),
    # file references and the college's side: out of the intro, never an author
    "reference": (r"portefeuillehouder", r"aan", r"cc", r"kopie(?:\s+aan)?", r"(?:ons\s+|uw\s+)?kenmerk", r"registratienummer", r"zaaknummer",
                  r"behandelend\s+ambtenaar", r"afdeling", r"bijlage(?:n|\(n\))?", r"documentnummer", r"nummer"),
}
_NO_COLON = re.compile(r"indien|antwoorddatum|datum\s+\w|indiener|vra(?:ag|gen)steller|ingediend\s+door|beantwoord|naam\s")
_ROLE = {pattern: role for role, patterns in _LABELS.items() for pattern in patterns}
_LABEL_LINE = re.compile(
    r"^[ \t]*(?P<label>" + "|".join(sorted(_ROLE, key=len, reverse=True)) + r")(?P<colon>[ \t]*:|[ \t]+(?=\S))"
    r"[ \t]*(?P<value>[^\n]*)$",
    re.MULTILINE | re.IGNORECASE,
)
#: a place and a date on a line of their own: "Leiden, 12 maart 2024"
_PLACE_DATE = re.compile(rf"^[ \t]*[A-Z][\w'’-]+(?:[ \t]+[a-z]{{1,3}}[ \t]+[A-Z][\w'’-]+)?,[ \t]*(?:\w+dag[ \t]+)?({DATE_PATTERN})[ \t]*$",
                         re.MULTILINE)
#: an answer-section heading that carries the answer's date: "Beantwoording door het college, 2 april 2024"
_DATED_HEADING = re.compile(rf"^[ \t]*(?:antwoord(?:en)?|beantwoording|reactie)\b[^\n]*?({DATE_PATTERN})",
                            re.MULTILINE | re.IGNORECASE)
_SUBMITTED = re.compile(rf"\(ingezonden\s+({DATE_PATTERN})\)", re.IGNORECASE)
_RECEIVED = re.compile(rf"\(ontvangen\s+({DATE_PATTERN})\)", re.IGNORECASE)
#: "Op 6 november jl. hebben de leden X en Y schriftelijke vragen gesteld": the year may be left out
_ASKED_ON = re.compile(
    rf"\bOp\s+(?P<day>\d{{1,2}})\s+(?P<month>{MONTH_NAMES})\.?(?:\s+(?P<year>\d{{4}}))?(?:\s+jl\.?)?,?\s+"
    rf"(?:heeft|hebben)\b[^.]{{0,300}}?\bvragen\s+(?:gesteld|ingediend|ingezonden)",
    re.IGNORECASE,
)
# "van het lid X (P) aan", "de leden X en Y (beiden P) hebben"; not "de leden der Kamer"
_MEMBERS = re.compile(
    r"\b(?:het|de)\s+(?:lid|leden)\s+(?!der\b)(?:lid\s+)?(?P<who>.{1,300}?)"
    r"\s+(?=(?:aan|over|schriftelijke|hebben|heeft|van\s+uw|ingezonden)\b)",
    re.IGNORECASE,
)
_TK_TITLE = re.compile(
    # PDF extraction glues words: "...en Sportover zorg voor ...", "Sport overhet verdwijnen ..."
    r"(?:Vragen|(?:Mondelinge|Schriftelijke) vragen) van (?:het|de) (?:lid|leden) .+?(?:\s|(?<=[a-z]))over(?:\s+|(?=(?:het|de|een|the)\s))(?P<title>.+?)"
    r"(?:\s*\(ingezonden|\s+(?:Antwoord|Mededeling) van\b|\s*$)"
)
_MEMBER_TITLE = re.compile(  # "Schriftelijke vragen van raadslid X (P) over ..."
    r"\bvan\s+(?:het\s+|de\s+)?(?:raadslid|raadsleden|fractievoorzitter|fractie\s+van)\s+(?P<who>.{2,200}?)"
    r"(?=\s+(?:over|aan|inzake|betreffende|m\.b\.t\.)\b|\s*$)",
    re.IGNORECASE,
)


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
        if value and value.lower() not in {i.lower() for i in items}:
            items.append(value)


def split_names_and_parties(text: str) -> tuple[list[str], list[str]]:
    return signatures.split_names_and_parties(text)


def label_lines(text: str) -> list[re.Match]:
    """Label lines; a label without ``:`` only when it cannot be prose ("Indiendatum 3 mei 2024")."""
    found = []
    for match in _LABEL_LINE.finditer(text):
        label = re.sub(r"\s+", " ", match.group("label").lower())
        if ":" not in match.group("colon"):
            role = _role(label)
            dated = role in ("submitted", "answered", "dated") and re.match(DATE_PATTERN, match.group("value"), re.I)
            if not (dated or role == "authors" and _NO_COLON.match(label)):
                continue
        found.append(match)
    return found


def place_date_lines(text: str) -> list[re.Match]:
    """``Leiden, 3 maart 2024`` on a line of its own: the letter's date."""
    return list(_PLACE_DATE.finditer(text))


def _role(label: str) -> str:
    return next(role for pattern, role in _ROLE.items() if re.fullmatch(pattern, label, re.IGNORECASE))


def from_labels(text: str, after_questions: bool = False) -> Metadata:
    """Values of the label lines in ``text``; an unspecific date label takes its role from the position."""
    meta = Metadata()
    for match in label_lines(text):
        role, value = _role(match.group("label").lower()), match.group("value").strip()
        if role == "dated":
            role = "answered" if after_questions else "submitted"
        if role == "submitted" and not meta.submitted:
            meta.submitted = parse_date(value)
        elif role == "answered" and not meta.answered:
            meta.answered = parse_date(value)
        elif role == "authors":
            authors, parties = split_names_and_parties(value)
            _add(meta.authors, *authors)
            _add(meta.parties, *parties)
        elif role == "parties":
            _add(meta.parties, *(signatures.normalise_party(p) for p in re.split(r"\s*,\s*|\s+en\s+", value)))
        elif role == "title" and not meta.title:
            meta.title = value
    if not meta.answered and (heading := _DATED_HEADING.search(text)):
        meta.answered = parse_date(heading.group(1))
    if placed := _PLACE_DATE.search(text):  # "Leiden, 12 maart 2024": dated where it stands
        if after_questions and not meta.answered:
            meta.answered = parse_date(placed.group(1))
        elif not after_questions and not meta.submitted:
            meta.submitted = parse_date(placed.group(1))
    return meta


def from_parliament_header(header: str) -> Metadata:
    """The Tweede Kamer header sentence and the ``(ingezonden ...)``/``(ontvangen ...)`` dates."""
    flat = re.sub(r"\s+", " ", header)
    meta = Metadata()
    if match := _SUBMITTED.search(flat):
        meta.submitted = parse_date(match.group(1))
    if match := _RECEIVED.search(flat):
        meta.answered = parse_date(match.group(1))
    if not meta.submitted and (match := _ASKED_ON.search(flat[:5000])):
        meta.submitted = _asked_on(match, meta.answered)
    opening = next((m for line in header.split("\n")[:6] if (m := _MEMBER_TITLE.search(line))), None)
    if match := _MEMBERS.search(flat) or opening:
        meta.authors, meta.parties = split_names_and_parties(match.group("who"))
    if match := _TK_TITLE.search(flat[:3000]):
        meta.title = match.group("title").strip().rstrip(".")
    return meta


def _asked_on(match: re.Match, answered: str | None) -> str | None:
    """The date of "Op 6 november jl. ..."; without a year, the latest such date before the answer."""
    day, month = int(match.group("day")), MONTHS[match.group("month").lower()]
    if match.group("year"):
        return parse_date(f"{day}-{month}-{match.group('year')}")
    if not answered:
        return None
    year = int(answered[:4])
    if (month, day) > (int(answered[5:7]), int(answered[8:10])):
        year -= 1
    return parse_date(f"{day}-{month}-{year}")


def from_signature(lines: list[str], known_authors: list[str]) -> Metadata:
    """``Name (Party)``, ``Name, Party``, ``Name – Party`` lines, or name then party lines."""
    meta = Metadata()
    meta.authors, meta.parties = signatures.from_lines(lines, known_authors)
    return meta
