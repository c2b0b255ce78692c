"""Cases: the question letter, its postponement notices and its answer letters as one case.

Registers publish these letters apart, weeks apart, with no explicit link. A letter joins
the case of another

1. when both carry the same reference number (``SV 2023-041``, the Tweede Kamer's zaak
   ``2024Z18775``, an ``Ons kenmerk`` repeated from the postponement in the answer);
2. when an answer or postponement letter fits a question letter: dated on or after it,
   within :data:`WINDOW_DAYS`, no conflicting number of the same scheme, and either it
   repeats most of the questions, or its subject matches and it names the askers or
   cites the question letter's date (``uw brief van ...``);
3. when the operator linked them (``nlp-service cases link``); a document the operator
   unlinked joins no case by rules 1 and 2.

Within a case, every question of a later letter is attached to the *original* question
it answers: by its repeated text, else by its number (``2 en 4`` -> questions 2 and 4).

Matching is a pure function of the set of letters: the arrival order changes nothing
(ties are broken by collection and external id, never by storage order), and matching
the same letters twice gives the same cases.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from .parsing.letters import Letter
from .parsing.markers import parse_number_list
from .parsing.references import number_shape
from .parsing.similarity import ECHO_THRESHOLD, best_match

#: an answer comes after its question, usually within weeks; 120 days covers postponed answers
WINDOW_DAYS = 120
#: a number held by more letters than this is no case number (a department's standing code)
MAX_SHARED = 8
#: a repeated question needs this many words to be recognised by its text rather than its number
MIN_ECHO_WORDS = 3
#: words that say what a letter is, not what it is about
LETTER_WORDS = frozenset(
    "beantwoording antwoord antwoorden vragen vraag schriftelijke raadsvragen uitstel over inzake van de het een "
    "in op en aan met betreft onderwerp artikel fractie uw brief".split())
FOLLOWERS = ("answer", "postponement", "combined")


class QuestionRecord(NamedTuple):
    """A stored question as the matcher sees it: its number label (``"2 en 4"``) and text."""

    id: int
    number: str
    text: str


@dataclass(frozen=True)
class LetterRecord:
    """A stored document as the matcher sees it."""

    id: int
    key: tuple[str, str]  # (source, external_id): the order-free tie-breaker
    letter: Letter
    date: str | None
    title: str = ""
    authors: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    head: str = ""  # title, intro and labels: where an answer names the askers
    questions: tuple[QuestionRecord, ...] = ()

    @property
    def kind(self) -> str:
        return self.letter.kind


@dataclass
class Matching:
    case_of: dict[int, int] = field(default_factory=dict)  # document id -> case id (its first member's id)
    links: list[tuple[int, int]] = field(default_factory=list)  # (question of a later letter, original question)
    unmatched: list[int] = field(default_factory=list)  # answer letters in no case with a question letter


class _Groups:
    """Union-find over document ids."""

    def __init__(self, ids: Iterable[int]):
        self.parent = {i: i for i in ids}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        if a in self.parent and b in self.parent:
            self.parent[self.find(a)] = self.find(b)


def match_cases(records: Iterable[LetterRecord], linked: Iterable[tuple[int, int]] = (),
                detached: Iterable[int] = ()) -> Matching:
    records = sorted(records, key=lambda r: r.key)
    detached = set(detached)
    free = [r for r in records if r.id not in detached]
    groups = _Groups(r.id for r in records)
    _join_by_numbers(free, groups)
    has_question = {groups.find(r.id) for r in free if r.kind == "question"}
    questions = [r for r in free if r.kind == "question"]
    for record in free:
        if record.kind in ("answer", "postponement") and groups.find(record.id) not in has_question:
            best = best_question_letter(record, questions)
            if best is not None:
                groups.union(record.id, best.id)
    for a, b in linked:
        groups.union(a, b)
    return _assemble(records, groups)


def _join_by_numbers(records: list[LetterRecord], groups: _Groups) -> None:
    holders: dict[str, list[int]] = defaultdict(list)
    for record in records:
        for number in record.letter.references.numbers:
            holders[number].append(record.id)
    for ids in holders.values():
        if len(ids) <= MAX_SHARED:
            for other in ids[1:]:
                groups.union(ids[0], other)


def _assemble(records: list[LetterRecord], groups: _Groups) -> Matching:
    members: dict[int, list[LetterRecord]] = defaultdict(list)
    for record in records:
        members[groups.find(record.id)].append(record)
    matching = Matching()
    for case in members.values():
        case_id = case[0].id  # records are sorted by key: the same first member whatever the arrival order
        matching.case_of.update((r.id, case_id) for r in case)
        originals = sorted((r for r in case if r.kind == "question"), key=lambda r: (r.date or "", r.key))
        if not originals:
            matching.unmatched += [r.id for r in case if r.kind == "answer"]
            continue
        for record in case:
            if record.kind in FOLLOWERS:
                matching.links += [(q.id, target) for q in record.questions
                                   for target in original_questions(q, originals)]
    return matching


# --- letter to letter -----------------------------------------------------------


def best_question_letter(follower: LetterRecord, questions: list[LetterRecord]) -> LetterRecord | None:
    scored = [(score, r) for r in questions if (score := match_score(follower, r)) is not None]
    if not scored:
        return None
    return max(scored, key=lambda pair: (pair[0], pair[1].date or "", _reversed_key(pair[1])))[1]


def _reversed_key(record: LetterRecord) -> tuple:
    """Among equal scores and dates the smallest key wins (max() picks the largest)."""
    return tuple(tuple(-ord(c) for c in part) for part in record.key)


def match_score(follower: LetterRecord, question: LetterRecord) -> float | None:
    """How well ``follower`` (an answer or postponement) fits ``question``; None: not at all."""
    if not _in_window(question.date, follower.date) or _conflicting_numbers(follower, question):
        return None
    refs = follower.letter.references
    cites_date = refs.refers_to is not None and refs.refers_to == question.date
    subject = subject_overlap(_subject(follower), _subject(question))
    names_askers = _names_askers(follower, question)
    echo = _echo_share(follower, question)
    if echo >= 0.5 or (subject >= 0.5 and (names_askers or cites_date)) or (cites_date and names_askers):
        return echo + subject + 0.5 * names_askers + 1.0 * cites_date
    return None


def _in_window(question_date: str | None, follower_date: str | None) -> bool:
    if not question_date or not follower_date:
        return True
    days = (dt.date.fromisoformat(follower_date) - dt.date.fromisoformat(question_date)).days
    return 0 <= days <= WINDOW_DAYS


def _conflicting_numbers(a: LetterRecord, b: LetterRecord) -> bool:
    """Both carry numbers of one scheme and share none: two different registrations."""
    numbers_a, numbers_b = set(a.letter.references.numbers), set(b.letter.references.numbers)
    if numbers_a & numbers_b:
        return False
    return bool({number_shape(n) for n in numbers_a} & {number_shape(n) for n in numbers_b})


def _subject(record: LetterRecord) -> str:
    return f"{record.letter.references.subject} {record.title}"


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2 and w not in LETTER_WORDS}


def subject_overlap(a: str, b: str) -> float:
    """Share of the shorter subject's content words found in the other one."""
    left, right = content_words(a), content_words(b)
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))


def _names_askers(follower: LetterRecord, question: LetterRecord) -> bool:
    """The follower names an asker (by surname) or the askers' party in its head or addressees."""
    text = " ".join((follower.head, *follower.letter.references.addressees)).lower()
    names = [a.split()[-1] for a in question.authors if a.split()] + list(question.parties)
    return any(len(n) > 2 and re.search(rf"(?<!\w){re.escape(n.lower())}(?!\w)", text) for n in names)


def _echo_share(follower: LetterRecord, question: LetterRecord) -> float:
    repeated = [q.text for q in follower.questions if len(q.text.split()) >= MIN_ECHO_WORDS]
    if not repeated or not question.questions:
        return 0.0
    texts = [q.text for q in question.questions]
    return sum(best_match(text, texts)[1] >= ECHO_THRESHOLD for text in repeated) / len(repeated)


# --- question to question -------------------------------------------------------


def original_questions(question: QuestionRecord, originals: list[LetterRecord]) -> list[int]:
    """The original questions a later letter's question answers: by repeated text, else by number."""
    candidates = [q for letter in originals for q in letter.questions]
    if len(question.text.split()) >= MIN_ECHO_WORDS and candidates:
        index, score = best_match(question.text, [q.text for q in candidates])
        if score >= ECHO_THRESHOLD:
            return [candidates[index].id]
    by_number = {n: q.id for q in originals[0].questions for n in parse_number_list(q.number)}
    return list(dict.fromkeys(by_number[n] for n in parse_number_list(question.number) if n in by_number))
