"""Numbering markers: where questions and answers start, and which numbers they carry.

Council documents number their questions in several ways (``Vraag 1``, ``1.``,
``1)``, a bare ``1`` on its own line) and the Belgian export glues them inline
after lost line breaks (``...?2. Is het``). Answers name their questions with
headers (``Antwoord op vraag 3 en 4``, ``Ad 2)``) or inline (``1., 2. en 3. ...``).

A candidate marker is only a guess: ``art. 2.``, ``in 2016. 3. De`` or a list
inside an answer look the same. So candidates carry a strength, and
:func:`question_chain` / :func:`answer_chain` pick the best consistent sequence
(1, 2, 3, ... for questions; increasing for answers) instead of trusting each
match on its own.
"""
from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

#: words that make a directly following number a reference, not a list marker (``vraag 2.``)
REFERENCE_WORDS = frozenset(
    """artikel artikelen nummer nummers lid leden punt punten hoofdstuk hoofdstukken bijlage bijlagen
    bijlages tabel tabellen vraag vragen antwoord antwoorden pagina paginas paragraaf versie fase stap
    deel boek titel afdeling richtlijn categorie niveau type klasse wet zone sectie figuur grafiek
    schema alinea litera item code spoor lijn jaar week dag maand uur om tot en of van pijler editie
    ronde rang divisie graad kamer nota programma agenda rubriek box model bus kanaal pakket""".split()
)
#: abbreviations whose period is not a sentence end (``art. 2.``, ``nr. 3.``)
ABBREVIATIONS = frozenset("art artt nr nrs no blz p pp par al cf cfr vgl resp bijv ca zgn kb cat".split())
_RANGE_WORDS = r"(?:tot\s+en\s+met|t/m|tot|-|–)"
_LIST_WORDS = r"(?:,|en|&|" + _RANGE_WORDS + ")"
NUMBER_LIST = rf"\d{{1,3}}(?:[ \t]*{_LIST_WORDS}[ \t]*\d{{1,3}})*"
MAX_LISTED = 60  # a range wider than this is a year span or an amount, not questions

STRONG, MEDIUM, LINE, WEAK = 3.0, 2.0, 2.5, 0.5


@dataclass(frozen=True)
class Marker:
    """One numbering marker: ``text[start:end]`` is the marker, content follows ``end``."""

    start: int
    end: int
    numbers: tuple[int, ...]
    strength: float
    style: str = "1"  # how the source writes the numbers: "1", "a", "A", "i" or "I" (see number_label)

    @property
    def first(self) -> int:
        return self.numbers[0]

    @property
    def last(self) -> int:
        return self.numbers[-1]


def parse_number_list(text: str) -> list[int]:
    """``"3 en 4"`` -> [3, 4]; ``"2 t/m 4"``, ``"4-7"``, ``"1 tot 3"`` expand the range."""
    tokens = re.findall(rf"\d{{1,3}}|{_RANGE_WORDS}", text)
    numbers: list[int] = []
    in_range = False
    for token in tokens:
        if not token.isdigit():
            in_range = bool(numbers)
            continue
        value = int(token)
        if in_range and numbers and numbers[-1] < value <= numbers[-1] + MAX_LISTED:
            numbers.extend(range(numbers[-1] + 1, value + 1))
        elif not numbers or value > numbers[-1]:
            numbers.append(value)
        in_range = False
    return numbers


# --- question markers --------------------------------------------------------

_VRAAG_LINE = re.compile(rf"^[ \t]*(?:Vra(?:ag|gen)|VRA(?:AG|GEN))[ \t]+({NUMBER_LIST})[ \t]*[:.)]?[ \t]*(?=\n|$|\S)", re.MULTILINE)
_VRAAG_INLINE = re.compile(rf"(?<![\w])Vraag[ \t]+({NUMBER_LIST})[ \t]*:[ \t]*")
_NUMBER_LINE = re.compile(r"^[ \t]*(\d{1,3})(?:[.):][ \t]+|[.)]?[ \t]*\n(?=\s*[^\d\s]))", re.MULTILINE)
_INLINE_DOT = re.compile(r"(?<!\d)(\d{1,2})\.(?!\d)")
_INLINE_PAREN = re.compile(r"(?<![\w(])(\d{1,2})\)")


def _preceding_word(text: str, pos: int) -> str:
    match = re.search(r"([^\W\d]+)\.?\s*$", text[max(0, pos - 30):pos])
    return match.group(1).lower() if match else ""


def context_strength(text: str, start: int) -> float:
    """How much the text before ``start`` looks like the end of a previous item (0 = not at all)."""
    before = text[max(0, start - 40):start]
    stripped = before.rstrip(" \t\xa0")
    if not stripped.strip():
        return STRONG  # start of the text
    if stripped.endswith("\n"):
        return LINE
    last = stripped[-1]
    if last == "?":
        return STRONG
    if last in '.!:;)"”’»\'':
        if last == "." and _preceding_word(text, start - (len(before) - len(stripped)) - 1) in ABBREVIATIONS:
            return 0.0  # "art. 2." or "nr. 3."
        return MEDIUM
    if last.isalpha():
        return 0.0 if _preceding_word(text, start) in REFERENCE_WORDS else WEAK
    return 0.0


_SUB_ITEM = re.compile(r"[a-z][.)]\s")  # "1. a) Kan u ...": the question opens with its sub-item a)


def _starts_item(text: str, pos: int, allow_lower: bool) -> bool:
    """True when what follows ``pos`` can begin a question or answer."""
    match = re.compile(r"[ \t\xa0]*(\S)").match(text, pos)
    if not match:
        return False
    char = match.group(1)
    if char.isupper() or char in "(“\"'‘«„[-–•*" or _SUB_ITEM.match(text, match.start(1)):
        return True
    return allow_lower and char.isalpha()


def _numbered(match: re.Match, strength: float) -> Marker:
    return Marker(match.start(), match.end(), tuple(parse_number_list(match.group(1))), strength)


def vraag_markers(text: str) -> list[Marker]:
    """``Vraag 3`` headers at line start, and ``Vraag 3:`` inline."""
    found = {m.start(): _numbered(m, LINE) for m in _VRAAG_LINE.finditer(text)}
    for m in _VRAAG_INLINE.finditer(text):
        if not any(s <= m.start() < f.end for s, f in found.items()):
            found[m.start()] = _numbered(m, MEDIUM)
    return sorted(found.values(), key=lambda m: m.start)


def line_markers(text: str) -> list[Marker]:
    """``1.``, ``1)``, ``1:`` or a bare ``1`` at the start of a line."""
    # a bare number on its own line: the match ends after the newline, where the content starts
    return [Marker(m.start(1), m.end(), (int(m.group(1)),), LINE) for m in _NUMBER_LINE.finditer(text)]


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10,
          "xi": 11, "xii": 12, "xiii": 13, "xiv": 14, "xv": 15, "xvi": 16, "xvii": 17, "xviii": 18, "xix": 19, "xx": 20}
#: line-start numbering in other styles: "(1)", "a.", "b)", "(c)", "I.", "iv)"; a space must follow
_STYLED_LINE = re.compile(
    r"^[ \t]*(?:\((?P<paren>\d{1,3})\)|(?P<open>\()?(?:(?P<roman>[ivxIVX]{1,5})|(?P<alpha>[a-zA-Z]))(?(open)\)|[.):]))"
    r"[ \t]+(?=\S)",
    re.MULTILINE,
)


def styled_line_markers(text: str) -> dict[str, list[Marker]]:
    """Line-start markers per numbering style (a letter that is also a roman numeral counts for both)."""
    found: dict[str, list[Marker]] = {}
    for m in _STYLED_LINE.finditer(text):
        if m.group("paren"):
            found.setdefault("(1)", []).append(Marker(m.start(), m.end(), (int(m.group("paren")),), LINE, "1"))
            continue
        token = m.group("roman") or m.group("alpha")
        if token.lower() in _ROMAN and (token.islower() or token.isupper()):
            style = "I" if token.isupper() else "i"
            found.setdefault(style, []).append(Marker(m.start(), m.end(), (_ROMAN[token.lower()],), LINE, style))
        if len(token) == 1:
            style = "A" if token.isupper() else "a"
            number = ord(token.lower()) - ord("a") + 1
            found.setdefault(style, []).append(Marker(m.start(), m.end(), (number,), LINE, style))
    return found


def number_label(numbers: tuple[int, ...], style: str = "1") -> str:
    """``(3,)`` -> ``"3"`` (``"c"``, ``"III"`` in those styles); combined ``(2, 3)`` -> ``"2 en 3"``."""
    labels = [_styled(n, style) for n in numbers]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " en " + labels[-1]


def _styled(number: int, style: str) -> str:
    if style in ("a", "A") and 1 <= number <= 26:
        letter = chr(ord("a") + number - 1)
        return letter.upper() if style == "A" else letter
    if style in ("i", "I"):
        roman = next((r for r, n in _ROMAN.items() if n == number), str(number))
        return roman.upper() if style == "I" else roman
    return str(number)


def inline_markers(text: str) -> list[Marker]:
    """``N.`` anywhere it could start an item: after ``?``, a sentence end, a line start."""
    markers = []
    for m in _INLINE_DOT.finditer(text):
        strength = context_strength(text, m.start())
        # after ":" or ";" items may start in lower case: "het volgende meedelen:1. wat behelst ...;2. welk ..."
        after_list_colon = text[: m.start()].rstrip()[-1:] in (":", ";")
        if strength and _starts_item(text, m.end(), allow_lower=after_list_colon):
            end = m.end() + len(text[m.end():]) - len(text[m.end():].lstrip(" \t\xa0"))
            markers.append(Marker(m.start(), end, (int(m.group(1)),), strength))
    for m in _INLINE_PAREN.finditer(text):  # "...gekort? 2) Wat zijn ...": only right after a "?" or a line start
        strength = context_strength(text, m.start())
        if strength in (STRONG, LINE) and _starts_item(text, m.end(), allow_lower=False):
            end = m.end() + len(text[m.end():]) - len(text[m.end():].lstrip(" \t\xa0"))
            markers.append(Marker(m.start(), end, (int(m.group(1)),), strength))
    return sorted(markers, key=lambda marker: marker.start)


def question_chain(markers: list[Marker]) -> list[Marker]:
    """The best run 1, 2, 3, ... of markers in text order (highest total strength).

    Each marker must carry the smallest number not used yet, so combined
    headers fit too: ``Vraag 1 en 4``, ``Vraag 2``, ``Vraag 3``, ``Vraag 5``.
    """
    def start(marker: Marker) -> float:
        return marker.strength if marker.first == 1 else float("-inf")

    def step(before: Marker, marker: Marker, used: frozenset[int]) -> float | None:
        return marker.strength if smallest_unused(used) == marker.first else None

    return _best_chain(markers, start, step)


# Bounds that keep the quadratic chain search linear-ish on hostile input (a file of
# thousands of numbered lines): a real letter has at most a few hundred numbered
# items, and the next number of a run never lies hundreds of candidates back.
MAX_CHAIN_MARKERS = 3000
CHAIN_LOOKBACK = 150


def _best_chain(
    markers: list[Marker],
    start: Callable[[Marker], float],
    step: Callable[[Marker, Marker, frozenset[int]], float | None],
) -> list[Marker]:
    """Dynamic programming over markers in text order: the highest-scoring chain.

    ``start`` scores a marker opening a chain; ``step`` scores it following
    another (``None``: not allowed). A number is never used twice in a chain.
    """
    ordered = sorted((m for m in markers if m.first >= 1), key=lambda m: m.start)[:MAX_CHAIN_MARKERS]
    best: list[tuple[float, int]] = []  # (score, index of the previous marker or -1)
    used: list[frozenset[int]] = []
    for i, marker in enumerate(ordered):
        score, previous = start(marker), -1
        for j in range(max(0, i - CHAIN_LOOKBACK), i):
            if ordered[j].end > marker.start or used[j] & set(marker.numbers):
                continue
            value = step(ordered[j], marker, used[j])
            if value is not None and best[j][0] + value > score:
                score, previous = best[j][0] + value, j
        best.append((score, previous))
        used.append((used[previous] if previous >= 0 else frozenset()) | set(marker.numbers))
    return _backtrack(ordered, best)


@lru_cache(maxsize=4096)
def _smallest_unused_frozen(used: frozenset[int]) -> int:
    return next(n for n in range(1, len(used) + 2) if n not in used)


def smallest_unused(used: AbstractSet[int]) -> int:
    # The chain DP asks this for the same few sets again and again: memoise the frozen ones.
    if isinstance(used, frozenset):
        return _smallest_unused_frozen(used)
    return next(n for n in range(1, len(used) + 2) if n not in used)


def _backtrack(ordered: list[Marker], best: list[tuple[float, int]]) -> list[Marker]:
    if not best:
        return []
    index = max(range(len(best)), key=lambda i: (best[i][0], -ordered[i].start))
    if best[index][0] == float("-inf"):
        return []
    chain = []
    while index >= 0:
        chain.append(ordered[index])
        index = best[index][1]
    return chain[::-1]


def question_markers(text: str) -> list[Marker]:
    """The question markers of ``text``: the numbering style whose run is the best evidence.

    ``Vraag N`` headers win over line numbers, which win over inline numbers,
    because in that order the style is less likely to occur inside an answer.
    Without a run of ``1.`` lines, among the other line-start styles (``(1)``,
    ``a.``, ``I.``) the run that asks most (items holding a ``?``), then the
    longest, is taken: ``a.`` items in an answer or ``I.`` initials ask nothing.
    """
    vraag = question_chain(vraag_markers(text))
    if vraag:
        return vraag
    by_line = question_chain(line_markers(text))
    if len(by_line) < 2:  # sub-items "a." inside "1." items must not outvote the main numbering
        runs = [by_line] + [question_chain(markers) for markers in styled_line_markers(text).values()]
        by_line = max(runs, key=lambda run: (_asking(text, run), len(run), -run[0].start if run else 0))
    inline = question_chain(inline_markers(text))
    if by_line and len(by_line) >= len(inline):
        return by_line  # line numbers are explicit enough to trust even a single "1."
    return inline if len(inline) >= 2 else []


def _asking(text: str, run: list[Marker]) -> int:
    """How many items of ``run`` ask something (hold a ``?`` before the next item)."""
    ends = [m.start for m in run[1:]] + [len(text)]
    return sum("?" in text[m.end:end] for m, end in zip(run, ends))


def candidates_of_style(text: str, chain: list[Marker]) -> list[Marker]:
    """All candidates of the same style as ``chain`` (used to re-anchor around answers)."""
    if not chain:
        return []
    styled = styled_line_markers(text)
    for found in (vraag_markers(text), line_markers(text), *styled.values(), inline_markers(text)):
        starts = {m.start for m in found}
        if all(m.start in starts for m in chain):
            return found
    return list(chain)


# --- answer markers ----------------------------------------------------------

_ANSWER_HEADER = re.compile(
    rf"^[ \t]*(?:(?P<word>Antwoord(?:en)?|ANTWOORD(?:EN)?|Reactie|REACTIE)(?P<college>[ \t]+(?:van[ \t]+)?(?:het[ \t]+)?(?:college|B&W|B[ \t]*en[ \t]*W))?"
    rf"(?:[ \t]+(?:op|OP))?(?:[ \t]+(?:de|DE)?[ \t]*(?:[Vv]ra(?:ag|gen)|VRA(?:AG|GEN)))?"
    rf"(?:[ \t]+(?P<nums>{NUMBER_LIST}))?|(?:Ad|AD)[ \t]*(?P<ad>{NUMBER_LIST})[ \t]*\)?)"
    rf"[ \t]*(?P<sep>[:.)]?)",
    re.MULTILINE,
)


def answer_headers(text: str) -> list[Marker]:
    """``Antwoord``, ``Antwoord 2``, ``Antwoord op vraag 3 en 4:``, ``Ad 2)`` at line start.

    ``Antwoord van minister X`` is a letter heading, not a marker: a header
    without a number must end its line or carry a ``:``.
    """
    markers = []
    for m in _ANSWER_HEADER.finditer(text):
        numbers = m.group("nums") or m.group("ad") or ""
        rest_of_line = text[m.end():].split("\n", 1)[0]
        word = (m.group("word") or "").lower()
        if word == "antwoorden" and not numbers or (m.group("college") or word == "reactie") and m.group("sep") != ":":
            continue  # "Antwoorden", "Antwoord van het college" and "Reactie" without ":" head the answer section
        if not (m.group("sep") or not rest_of_line.strip()):
            continue
        if numbers and m.group("sep") == "." and not m.group("ad") and re.match(r"\d", rest_of_line.strip()):
            continue
        end = m.end() + len(rest_of_line) - len(rest_of_line.lstrip())
        markers.append(Marker(m.start(), end, tuple(parse_number_list(numbers)), LINE))
    return markers


_INLINE_ANSWER_KEYWORD = re.compile(
    rf"(?:Antwoord(?:en)?\s+(?:op\s+)?(?:de\s+)?)?(?:[Vv]ra(?:ag|gen)|Ad)\s*(?P<nums>{NUMBER_LIST})\s*[:)]\s*"
)
#: "Vragen 1, 2 en 5 behoren tot ...": a sentence that names the questions it answers
_ANSWER_SENTENCE = re.compile(
    rf"(?:(?:De|Het) antwoord(?:en)? op (?:de )?)?[Vv]ra(?:ag|gen)\s+(?P<nums>{NUMBER_LIST})\s+(?=[a-z])"
)
_INLINE_ANSWER_DOTS = re.compile(
    rf"(?<![\d,])(?P<nums>\d{{1,2}}\.?(?:\s*{_LIST_WORDS}\s*\d{{1,2}}\.?)*)(?<=\.)"
)
#: "bpost: 1" + "2. Statuut": a marker glued to the last figure of a table row
_GLUED_TO_FIGURE = re.compile(r"(?<=\d)([1-9])\.[ \t]+(?=[A-Z])")
GLUED = 0.3
#: "3. 40 personen": an answer may open with a figure, but not "1. 100.000 euro" (an amount)
_FIGURE = re.compile(r"[ \t]+\d+(?![.,]?\d)")
#: "2. 2016201715939-9-1610-nl-fr-1": the answer is an attached table, cited by its number
_ATTACHMENT = re.compile(r"[ \t]*\d{8,}-")


def inline_answer_markers(text: str) -> list[Marker]:
    """Answer markers inside running text: ``1. ...``, ``1., 2. en 3. ...``, ``Vraag 4: ...``."""
    markers = {}
    for m in _INLINE_ANSWER_DOTS.finditer(text):
        numbers = tuple(parse_number_list(m.group("nums")))
        strength = context_strength(text, m.start())
        combined = len(numbers) > 1
        # "2.5" and "1.000" are figures; at a line start "3.2016...-nl-fr-2" cites an attached table
        if text[m.end():m.end() + 1].isdigit() and strength != LINE and not _ATTACHMENT.match(text, m.end()):
            continue
        starts = (strength == LINE or _starts_item(text, m.end(), allow_lower=combined)
                  or _ATTACHMENT.match(text, m.end()) or _FIGURE.match(text, m.end()))
        if numbers and strength and starts:
            end = m.end() + len(text[m.end():]) - len(text[m.end():].lstrip())
            markers[m.start()] = Marker(m.start(), end, numbers, strength)
    # only as the opening sentence: further on, "Vragen 1 tot 6 zijn niet van toepassing" is a remark
    opening = _ANSWER_SENTENCE.match(text, len(text) - len(text.lstrip()))
    if opening and not markers.get(opening.start()):
        # the sentence itself is the answer: its content starts where the marker starts
        numbers = tuple(parse_number_list(opening.group("nums")))
        markers[opening.start()] = Marker(opening.start(), opening.start(), numbers, STRONG)
    for m in _GLUED_TO_FIGURE.finditer(text):
        markers.setdefault(m.start(), Marker(m.start(), m.end(), (int(m.group(1)),), GLUED))
    for m in _INLINE_ANSWER_KEYWORD.finditer(text):
        strength = context_strength(text, m.start()) or (WEAK if m.group(0)[0].isupper() else 0.0)
        numbers = tuple(parse_number_list(m.group("nums")))
        if numbers and strength:
            markers = {s: mk for s, mk in markers.items() if not m.start() <= s < m.end()}
            markers[m.start()] = Marker(m.start(), m.end(), numbers, strength)
    return sorted(markers.values(), key=lambda m: m.start)


def answer_chain(markers: list[Marker], max_number: int | None = None) -> list[Marker]:
    """The best run of answer markers, mostly increasing.

    A run that continues exactly (2 after 1, 4 after ``2. en 3.``) or fills
    the first gap left open (``3., 4. en 6. ...`` then ``5. ...``) earns a
    bonus per question covered; a gap costs, a step back costs more. Numbers
    above ``max_number`` (the number of questions) are impossible.
    """
    def start(marker: Marker) -> float:
        return marker.strength + (2.0 * len(marker.numbers) if marker.first == 1 else 1.0 - marker.first)

    def step(before: Marker, marker: Marker, used: frozenset[int]) -> float:
        gap = marker.first - before.last - 1
        if gap == 0 or marker.first == smallest_unused(used):
            return marker.strength + 2.0 * len(marker.numbers)  # "2. en 3." weighs like "2." + "3."
        return marker.strength - (float(gap) if gap > 0 else 1.5)

    possible = [m for m in markers if max_number is None or m.last <= max_number]
    chain = _best_chain(possible, start, step)
    return chain if chain and sum(m.strength for m in chain) > WEAK else []
