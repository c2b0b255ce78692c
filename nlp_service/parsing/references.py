"""What a council letter says about the other letters of its case.

Reference numbers (``Registratienummer: SV 2023-041``, ``Ons kenmerk``, ``Uw kenmerk``,
the Tweede Kamer's zaak number ``2024Z18775``), the date of the letter it answers
(``uw brief van 6 maart 2023``, ``ingediend op ...``), its addressees (``Aan: ...``,
``aan de Minister van ...``), its subject line and, in a postponement notice, the
date by which the answers are promised (``uiterlijk 15 mei 2023``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import DATE_PATTERN, parse_date

_REFERENCE_LABEL = re.compile(
    r"^[ \t]*(?:ons|uw|onze|uw\s+brief)?[ \t]*(?:registratienummer|kenmerk|zaaknummer|referentie|"
    r"documentnummer|dossiernummer|briefnummer)[ \t]*:?[ \t]*(?P<value>[A-Z0-9][\w./-]*(?:[ \t]\d[\w./-]*)?)",
    re.MULTILINE | re.IGNORECASE,
)
#: numbers that carry their own shape: a register's "SV 2023-041" and the Tweede Kamer's zaak "2024Z18775"
_REFERENCE_INLINE = re.compile(r"\b(?:SV|RV|RVS|AV|RIB|SGV)[ \t]?\d{4}[-/]\d{1,4}\b|\b\d{4}Z\d{5}\b")
_REFERS_TO = re.compile(
    rf"(?:uw\s+(?:brief|e-?mail|schrijven|vragen)\s+van|ingediend\s+op|gesteld\s+op|ingezonden\s+op|"
    rf"vragen\s+van\s+(?={DATE_PATTERN})|^\s*op\s+(?={DATE_PATTERN}))\s*(?P<date>{DATE_PATTERN})",
    re.IGNORECASE | re.MULTILINE,
)
_ADDRESSEE_LABEL = re.compile(r"^[ \t]*Aan[ \t]*:[ \t]*(?P<value>[^\n]+)$", re.MULTILINE | re.IGNORECASE)
_ADDRESSEE_TK = re.compile(r"\baan\s+(?P<value>(?:de|het)\s+(?:minister|staatssecretaris|ministers|college)[^()\n]{0,120}?)"
                           r"(?=\s+over\b|\s*\(|$)", re.IGNORECASE)
_SUBJECT = re.compile(r"^[ \t]*(?:onderwerp|betreft|inzake)[ \t]*:[ \t]*(?P<value>[^\n]+)$", re.MULTILINE | re.IGNORECASE)
#: the promise of a postponement notice: "uiterlijk 15 mei 2023", "voor 1 juni 2023"
_PROMISED = re.compile(rf"(?:uiterlijk|vóór|voor)\s+(?P<date>{DATE_PATTERN})", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*[,;]\s*|\s+en\s+(?!wethouders)")  # not "burgemeester en wethouders"


@dataclass(frozen=True)
class References:
    numbers: tuple[str, ...] = ()
    refers_to: str | None = None
    addressees: tuple[str, ...] = ()
    subject: str = ""
    promised: str | None = None


def normalize_number(number: str) -> str:
    """``SV 2023-041`` and ``sv2023-041`` are one number."""
    return re.sub(r"\s+", "", number).upper().rstrip(".,;")


def number_shape(number: str) -> str:
    """The numbering scheme a number belongs to: ``SV2023-041`` -> ``AA9999-999``."""
    return re.sub(r"\d", "9", re.sub(r"[A-Z]", "A", number))


def reference_numbers(text: str) -> tuple[str, ...]:
    found = [m.group("value") for m in _REFERENCE_LABEL.finditer(text)]
    found += [m.group(0) for m in _REFERENCE_INLINE.finditer(text)]
    numbers = (normalize_number(n) for n in found)
    # a number is a code with a digit, not a word that happened to follow "Kenmerk"
    return tuple(dict.fromkeys(n for n in numbers if re.search(r"\d", n) and 4 <= len(n) <= 40))


def extract(text: str, postponement: bool = False) -> References:
    """The references in ``text`` (a letter's head: title, intro and label lines)."""
    flat = re.sub(r"[ \t]*\n[ \t]*(?=[a-z(])", " ", text)  # PDF lines broken inside a sentence
    refers = _REFERS_TO.search(flat)
    addressees: list[str] = []
    for match in _ADDRESSEE_LABEL.finditer(text):
        addressees += [a.strip(" .") for a in _NAME_SPLIT.split(match.group("value")) if a.strip(" .")]
    if not addressees and (match := _ADDRESSEE_TK.search(flat[:3000])):
        addressees.append(re.sub(r"\s+", " ", match.group("value")).strip())
    subject = _SUBJECT.search(text)
    promised = _PROMISED.search(flat) if postponement else None
    return References(
        numbers=reference_numbers(text),
        refers_to=parse_date(refers.group("date")) if refers else None,
        addressees=tuple(dict.fromkeys(addressees)),
        subject=subject.group("value").strip() if subject else "",
        promised=parse_date(promised.group("date")) if promised else None,
    )
