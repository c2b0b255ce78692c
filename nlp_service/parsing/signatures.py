"""Who signed: names and parties from signature lines, label values and title sentences.

A signature is told apart from text by its shape, not by a template: short
lines of capitalised words, perhaps with a party in brackets or after a comma
or dash (``Sanne de Wit (GroenLinks)``, ``Pieter van Dijk, SP``,
``Kees Jansen – CDA``, ``namens de fractie van D66, Jan Bakker``), or a name
line followed by a party line (``Eva Smits`` / ``Volt Leiden``).

Whether a piece is a party or a person is decided by evidence that does not
depend on one council: the national party names (with their local branch:
``Volt Leiden`` -> ``Volt``), acronyms (``SP``, ``PvdA``, ``GL-PvdA``,
``D66``), party words (``Partij``, ``Lijst``, ``Leefbaar``, ...); a person's
name is two to six words, capitalised except for the particles (``van``,
``de``, ``el``, ...). Parties are kept as written, with a branch suffix and
spacing removed, and de-duplicated case-insensitively.
"""
from __future__ import annotations

import re

#: national parties: a local branch is written "<party> <place>" and stored as the party
NATIONAL_PARTIES = (
    "VVD", "PVV", "CDA", "D66", "GroenLinks", "PvdA", "GroenLinks-PvdA", "GL-PvdA", "SP", "ChristenUnie",
    "SGP", "Partij voor de Dieren", "PvdD", "Volt", "JA21", "BBB", "NSC", "Nieuw Sociaal Contract", "DENK",
    "FVD", "Forum voor Democratie", "50PLUS", "BIJ1", "Piratenpartij",
)
_NATIONAL = {p.lower(): p for p in NATIONAL_PARTIES}
_PARTY_WORDS = re.compile(  # also as the end of a word: "Stadspartij", "Gemeentebelangen"
    r"\b(?:\w*partij|\w*belang(?:en)?|lijst|leefbaar|lokaal|positief|fractie|democraten|"
    r"unie|groen|progressief|liberalen|socialisten|onafhankelijk|alliantie)\b",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Za-z0-9]{2,8}(?:[-/][A-Za-z0-9]{2,8})?$")
PARTICLES = frozenset("van de der den het ter ten te in 't d' da du le la von op bin el al ben abu".split())
#: words that are never part of a person's name: headings, offices, salutations
NOT_NAME_WORDS = frozenset("""antwoord antwoorden vraag vragen beantwoording minister staatssecretaris college gemeente
geacht geachte hoogachtend groet groeten bijlage bijlagen datum onderwerp betreft kenmerk pagina burgemeester
wethouder wethouders raad griffie griffier voorzitter schriftelijke mondelinge het""".split())
_SEPARATOR = re.compile(r"\s*(?:,|\s[–—-])\s+")
_ON_BEHALF = re.compile(
    r"^\s*(?:namens\s+(?:de\s+)?(?:fractie\s+(?:van\s+)?)?(?P<party>[^,\n]+?)(?:[- ]fractie)?\s*[,:]\s*(?P<names>.+)"
    r"|(?P<names2>.+?)\s*,\s*namens\s+(?:de\s+)?(?:fractie\s+(?:van\s+)?)?(?P<party2>[^,\n]+?)(?:[- ]fractie)?)\s*$",
    re.IGNORECASE,
)
_NAME_PARTY = re.compile(r"^\s*(?P<names>[^()]+?)\s*\((?P<party>[^()]+)\)\s*$")
_GROUP_WORDS = re.compile(r"^(?:beiden|beide|allen|alle)\s+", re.IGNORECASE)
_TITLE_WORDS = re.compile(r"^(?:raadslid|raadsleden|fractievoorzitter|commissielid|mr\.|dr\.|drs\.|ir\.|ing\.)\s+",
                          re.IGNORECASE)


#: "Met vriendelijke groet," and "Hoogachtend," open a signature; they name no one
CLOSING_FORMULA = re.compile(r"^(?:met\s+)?(?:vriendelijke|hartelijke|collegiale)\s+groet(?:en)?\s*,?$|^hoogachtend\s*,?$",
                             re.IGNORECASE)
_ROLE = re.compile(r"^(?:namens\s+)?(?:(?:gemeente)?raadslid|raadsleden|fractievoorzitter|fractielid|commissielid|"
                   r"burgerraadslid|steunfractielid)\s+(?:van\s+(?:de\s+)?)?", re.IGNORECASE)
_NAMENS = re.compile(r"^namens\s+(?:de\s+)?", re.IGNORECASE)


def normalise_party(party: str) -> str:
    """``Volt Leiden`` -> ``Volt``; ``de fractie van D66`` -> ``D66``; ``groenlinks`` -> ``GroenLinks``."""
    party = re.sub(r"\s+", " ", _GROUP_WORDS.sub("", party.strip(" .,;:()"))).strip()
    party = _NAMENS.sub("", _ROLE.sub("", party))
    party = re.sub(r"^(?:de\s+)?fractie\s+(?:van\s+(?:de\s+)?)?", "", party, flags=re.IGNORECASE)
    party = re.sub(r"[- ]fractie$", "", party, flags=re.IGNORECASE)
    lowered = party.lower()
    if lowered in _NATIONAL:
        return _NATIONAL[lowered]
    for known in sorted(_NATIONAL, key=len, reverse=True):  # "partij voor de dieren leiden" before "pvdd"
        rest = lowered[len(known):]
        if lowered.startswith(known + " ") and re.fullmatch(r" [^\W\d][\w'-]*", rest):
            return _NATIONAL[known]
    return party


#: what no party name holds: a question mark, quotes, brackets (a footnote or a sentence in brackets)
_NOT_IN_PARTY = re.compile(r"[?«»“”\"():;]")
MAX_PARTY_WORDS = 4  # "Nieuw Sociaal Contract", "Partij voor de Dieren"


def plausible_party(text: str) -> bool:
    """Brackets after a name hold its party, unless they hold extraction junk ("Shell?1 2", "beheerd»?1")."""
    return bool(text) and not _NOT_IN_PARTY.search(text) and len(text.split()) <= MAX_PARTY_WORDS


def is_party(text: str) -> bool:
    text = text.strip(" .,;:()")
    if not text or len(text) > 60:
        return False
    return (normalise_party(text) in NATIONAL_PARTIES or bool(_ACRONYM.match(text))
            or bool(_PARTY_WORDS.search(text)))


def looks_like_name(text: str) -> bool:
    """Two to six words, the first and last capitalised, the rest capitalised or particles."""
    words = _TITLE_WORDS.sub("", text.strip(" .,;:")).split()
    if not 2 <= len(words) <= 6 or is_party(text) and not _NAME_PARTY.match(text):
        return False
    if any(not re.fullmatch(r"[^\W\d_][\w'’.-]*", w) or w.lower() in NOT_NAME_WORDS for w in words):
        return False
    return words[0][0].isupper() and words[-1][0].isupper() and all(
        w[0].isupper() or w.lower() in PARTICLES for w in words)


def _add(items: list[str], value: str) -> None:
    value = value.strip(" .,;´`'")
    if value and value.lower() not in {i.lower() for i in items}:
        items.append(value)


_NAME_SPLIT = re.compile(r"\s*,\s*|\s+en\s+|\s+&\s+")
_GLUED_NAME = re.compile(r"(?<=[a-zà-ÿ])(?=[A-Z])")  # "DaniëlleJansen" from PDF extraction


def names(text: str) -> list[str]:
    text = re.sub(r"^\s*(?:,|en\b)\s*", "", text.strip())
    text = re.sub(r"\s+c\.s\.?$", "", text)
    return [_TITLE_WORDS.sub("", n.strip()).strip() for n in _NAME_SPLIT.split(text) if n.strip()]


def split_names_and_parties(text: str) -> tuple[list[str], list[str]]:
    """``"A (X) en B (Y)"``, ``"A en B (beiden X)"``, ``"A, B en C"``, ``"A, Party"`` -> names, parties."""
    authors: list[str] = []
    parties: list[str] = []
    if on_behalf := _ON_BEHALF.match(text):
        _add(parties, normalise_party(on_behalf.group("party") or on_behalf.group("party2")))
        text = on_behalf.group("names") or on_behalf.group("names2")
    cursor = 0
    for match in re.finditer(r"(?P<names>[^()]+?)\s*\((?P<party>[^()]+)\)", text):
        for name in names(match.group("names")):
            _add(authors, _unglue(name))
        if plausible_party(party := normalise_party(match.group("party"))):
            _add(parties, party)
        cursor = match.end()
    for piece in names(text[cursor:]):
        name, party = split_name_party(piece)
        _add(authors, name) if name else None
        _add(parties, party) if party else None
    return authors, parties


def split_name_party(piece: str) -> tuple[str, str]:
    """One piece: ``"Kees Jansen – CDA"`` -> (name, party); a bare party -> ("", party)."""
    parts = _SEPARATOR.split(piece.strip(), maxsplit=1)
    if len(parts) == 2 and is_party(parts[1]):
        return _unglue(parts[0]), normalise_party(parts[1])
    if is_party(piece) and not looks_like_name(piece):
        return "", normalise_party(piece)
    return _unglue(piece), ""


def _unglue(name: str) -> str:
    return _GLUED_NAME.sub(" ", name.strip())


def signature_line(line: str) -> bool:
    """Does this line look like (part of) a signature: a name, a party, or both?"""
    line = line.strip()
    if CLOSING_FORMULA.match(line) or _NAMENS.match(line) and is_party(line):
        return True
    if not line or len(line) > 90 or line[-1] in "?:;" or re.search(r"\d{4}", line):
        return False
    if _ON_BEHALF.match(line) or _NAME_PARTY.match(line) and looks_like_name(_NAME_PARTY.match(line)["names"]):
        return True
    name, party = split_name_party(line)
    return (bool(party) and (not name or looks_like_name(name))) or looks_like_name(line)


def from_lines(lines: list[str], known_authors: list[str]) -> tuple[list[str], list[str]]:
    """Authors and parties of signature lines (a line that is only a party names the party)."""
    authors: list[str] = []
    parties: list[str] = []
    for line in lines:
        if CLOSING_FORMULA.match(line.strip()):
            continue
        if _NAMENS.match(line) and not _ON_BEHALF.match(line):  # "namens de fractie van D66,"
            _add(parties, normalise_party(line))
            continue
        found_authors, found_parties = split_names_and_parties(line)
        if not found_parties and len(found_authors) == 1 and not looks_like_name(line) and (
                authors or known_authors):
            _add(parties, normalise_party(line))  # "Partij Sleutelstad" under the name
            continue
        for author in found_authors:
            _add(authors, author)
        for party in found_parties:
            _add(parties, party)
    last = lines[-1].strip() if lines else ""
    if not parties and len(authors) >= 2 and authors[-1] == last and last not in known_authors:
        parties.append(normalise_party(authors.pop()))  # "Name" above "Sleutelstad Nu": the last line is the party
    return authors, parties
