"""Labelled question pairs for the dossier's "asked before?" check, and its calibration.

Positives (the same question asked again):
* Belgian records sharing a title (same_title_groups.json): mostly one letter put to
  several ministers or sent again, sometimes a follow-up that asks other things. A later
  member's sub-question N against the earliest member's sub-question N, when the two
  letters' introductions largely coincide (content-word Jaccard >= 0.5: a letter sent
  again). Follow-ups (lower) are left out, neither positive nor negative: reading their
  sub-questions showed other questions under the same title;
* Tweede Kamer cases stored twice (the questions-only document and the answer document
  that repeats them): question N against question N.
Hard negatives (same subject, another question): the earliest member's *other*
sub-questions (same letter, same theme) and the most word-sharing sub-question of
another letter with the same main theme (``question_theme_main``).
"""
from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..documents import Document
from ..dossier import AskedBeforeRule, content_terms, jaccard, same_text, term_overlap
from ..embedding import Encoder
from ..store import Store
from ..units import question_text
from .datasets import DEKAMER, BelgianRecord
from .metrics import proportion

TK_INDEX = Path("tweedekamer-2024") / "index.tsv"
#: later members per title group and sub-questions per member: keeps the embedding work small
MEMBERS_PER_GROUP, QUESTIONS_PER_MEMBER = 1, 2
#: pairs whose new letter is submitted before this date tune the rule; the later ones test it
SPLIT_DATE = "2017-04-01"
#: introductions at least this alike make a same-title pair a letter sent again
SAME_LETTER_OVERLAP = 0.5
#: a question with this many content words asked verbatim in an earlier letter is asked again;
#: shorter ones ("Wat is de huidige stand van zaken?") recur in unrelated letters (21 of the
#: 52 warnings of the first full evaluation were such generic questions or templates)
SPECIFIC_TERMS = 8
#: precision the threshold must keep on the tuning pairs (aim: >= 0.9 held out)
TUNE_PRECISION = 0.95


@dataclass(frozen=True)
class Pair:
    new: Document
    new_index: int
    earlier: Document
    earlier_index: int
    label: int  # 1 = asks the same thing
    kind: str  # "same_title", "tk_case", "sibling", "same_theme"

    @property
    def date(self) -> str:
        return self.new.submitted or ""

    @property
    def new_text(self) -> str:
        return self.new.questions[self.new_index].text

    @property
    def earlier_text(self) -> str:
        return self.earlier.questions[self.earlier_index].text


def belgian_pairs(records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]],
                  documents: dict[str, Document]) -> list[Pair]:
    by_id = {r.doc_id: r for r in records}
    pairs: list[Pair] = []
    for group in groups:
        members = sorted((by_id[i] for i in group if i in by_id and i in documents), key=lambda r: (r.submitted, r.doc_id))
        if len(members) < 2:
            continue
        anchor = documents[members[0].doc_id]
        resent = [m for m in members[1:] if same_letter(LetterKey.of(documents[m.doc_id]), LetterKey.of(anchor))]
        for member in resent[:MEMBERS_PER_GROUP]:
            new = documents[member.doc_id]
            for i in range(min(len(new.questions), len(anchor.questions), QUESTIONS_PER_MEMBER)):
                pairs.append(Pair(new, i, anchor, i, 1, "same_title"))
                siblings = [j for j in range(len(anchor.questions)) if j != i]
                if siblings:
                    j = max(siblings, key=lambda j: term_overlap(new.questions[i].text, anchor.questions[j].text))
                    pairs.append(Pair(new, i, anchor, j, 0, "sibling"))
    return pairs + same_theme_negatives(pairs, records, groups, documents)


def same_theme_negatives(positives: Sequence[Pair], records: Sequence[BelgianRecord],
                         groups: Sequence[frozenset[str]], documents: dict[str, Document]) -> list[Pair]:
    """Per positive, the question of another same-theme letter (outside its title group) that
    shares the most content words with it: the same topic, a different question."""
    group_of = {doc_id: group for group in groups for doc_id in group}
    theme = {r.doc_id: r.theme_main for r in records}
    by_theme: dict[str, list[tuple[Document, int, frozenset[str]]]] = defaultdict(list)
    for r in records:
        if r.theme_main and r.doc_id in documents:
            doc = documents[r.doc_id]
            by_theme[r.theme_main] += [(doc, j, content_terms(q.text)) for j, q in enumerate(doc.questions)]
    negatives = []
    for pair in positives:
        if pair.label != 1 or not theme.get(pair.new.external_id):
            continue
        terms = content_terms(pair.new_text)
        outside = group_of.get(pair.new.external_id, frozenset()) | {pair.new.external_id}
        scored = [(jaccard(terms, t), doc.external_id, j, doc)
                  for doc, j, t in by_theme[theme[pair.new.external_id]]
                  if doc.external_id not in outside and (doc.submitted or "") <= pair.date]
        if scored:
            _, _, j, doc = max(scored, key=lambda s: (s[0], s[1]))
            negatives.append(Pair(pair.new, pair.new_index, doc, j, 0, "same_theme"))
    return negatives


def tk_cases(data_dir: Path) -> list[list[str]]:
    """The file names of each Tweede Kamer case (zaak) in the corpus's index, in its order."""
    by_case: dict[str, list[str]] = defaultdict(list)
    with open(Path(data_dir) / TK_INDEX, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            for case in row["zaak_numbers"].replace(";", ",").split(","):
                if case.strip():
                    by_case[case.strip()].append(row["name"])
    return list(by_case.values())


def tk_pairs(data_dir: Path, documents: dict[str, Document]) -> list[Pair]:
    """Cases stored as two documents: question N of one against question N (and, as a
    negative, the most word-sharing other question) of the other."""
    pairs = []
    for names in tk_cases(data_dir):
        docs = [documents[n] for n in names if n in documents and documents[n].questions]
        if len(docs) != 2:
            continue
        new, earlier = docs
        for i in range(min(len(new.questions), len(earlier.questions))):
            pairs.append(Pair(new, i, earlier, i, 1, "tk_case"))
            others = [j for j in range(len(earlier.questions)) if j != i]
            if others:
                j = max(others, key=lambda j: term_overlap(new.questions[i].text, earlier.questions[j].text))
                pairs.append(Pair(new, i, earlier, j, 0, "sibling"))
    return pairs


# -- the ground truth, shared by the calibration and the evaluation ---------------


@dataclass(frozen=True)
class LetterKey:
    """What "the same letter sent again" compares: the introduction's content words and the title."""

    intro: frozenset[str]
    title: str

    @classmethod
    def of(cls, document: Document) -> "LetterKey":
        return cls(content_terms(document.intro), same_text(document.title))


def same_letter(a: LetterKey, b: LetterKey) -> bool:
    """The same letter sent again: introductions alike (any title: titles drift between copies),
    or both without an introduction and with the same title."""
    if not a.intro and not b.intro:
        return bool(a.title) and a.title == b.title
    return jaccard(a.intro, b.intro) >= SAME_LETTER_OVERLAP


def is_specific(text: str) -> bool:
    return len(content_terms(text)) >= SPECIFIC_TERMS


class AskedBeforeGold:
    """Which stored earlier questions a letter's questions ask again: the question at the same
    position in an earlier copy of the letter (:func:`same_letter`), and any earlier question
    with the very same text when that text is specific (:func:`is_specific`)."""

    def __init__(self, store: Store, source: str = DEKAMER):
        self._letters: list[tuple[str, LetterKey, list[int]]] = []
        self._by_text: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for stored in store.iter_documents():
            if stored.document.source != source:
                continue
            submitted = stored.document.submitted or ""
            questions = store.questions_of(stored.id)
            self._letters.append((submitted, LetterKey.of(stored.document), [q.id for q in questions]))
            for q in questions:
                if is_specific(q.question.text):
                    self._by_text[same_text(q.question.text)].append((q.id, submitted))

    def expected(self, letter: Document, submitted: str) -> dict[int, set[int]]:
        """Position -> ids of the stored questions submitted before ``submitted`` that it asks again."""
        key = LetterKey.of(letter)
        found: dict[int, set[int]] = defaultdict(set)
        for earlier_date, other, question_ids in self._letters:
            if earlier_date < submitted and same_letter(key, other):
                for position, qid in enumerate(question_ids[: len(letter.questions)]):
                    found[position].add(qid)
        for position, question in enumerate(letter.questions):
            found[position].update(qid for qid, earlier_date in self._by_text.get(same_text(question.text), ())
                                   if earlier_date < submitted)
        return {position: ids for position, ids in found.items() if ids}


# -- features and the rule -------------------------------------------------------


def features(encoder: Encoder, pairs: Sequence[Pair], max_chars: int) -> np.ndarray:
    """(cosine, overlap) per pair, as the dossier computes them: the new question (with its
    letter's title) encoded as a query against the earlier question's unit text as a passage."""
    queries = sorted({question_text(p.new, p.new_text)[:max_chars] for p in pairs})
    passages = sorted({question_text(p.earlier, p.earlier_text) for p in pairs})
    q_vectors = dict(zip(queries, encoder.encode_queries(queries)))
    p_vectors = dict(zip(passages, encoder.encode_documents(passages)))
    rows = [(float(q_vectors[question_text(p.new, p.new_text)[:max_chars]] @ p_vectors[question_text(p.earlier, p.earlier_text)]),
             term_overlap(p.new_text, p.earlier_text)) for p in pairs]
    return np.asarray(rows, dtype=np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3, steps: int = 50) -> np.ndarray:
    """(intercept, weights...) by Newton's method with a little ridge (separable data stays finite)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ w, -50, 50)))
        gradient = design.T @ (p - y) + ridge * w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w


def lowest_threshold(scores: np.ndarray, y: np.ndarray, precision: float) -> float:
    """The lowest score threshold whose precision on (scores, y) is at least ``precision``
    for it and every higher threshold (so a small wiggle above does not break it)."""
    best = math.inf
    for t in sorted(set(scores.tolist()), reverse=True):
        fired = scores >= t
        if y[fired].mean() < precision:
            break
        best = t
    return best


def confusion(fired: np.ndarray, y: np.ndarray) -> dict:
    tp, fp = int((fired & (y == 1)).sum()), int((fired & (y == 0)).sum())
    return {"precision": proportion(tp, tp + fp), "recall": proportion(tp, int((y == 1).sum())),
            "fired": tp + fp, "false_positives": fp}


def calibrate(pairs: Sequence[Pair], x: np.ndarray) -> dict:
    """Fit on the pairs before SPLIT_DATE, report on the later ones, for three candidate rules."""
    y = np.asarray([p.label for p in pairs])
    tune = np.asarray([p.date < SPLIT_DATE for p in pairs])
    test = ~tune
    rules: dict[str, dict] = {}
    for name, column in (("cosine", 0), ("overlap", 1)):
        t = lowest_threshold(x[tune, column], y[tune], TUNE_PRECISION)
        rules[name] = {"threshold": round(t, 4), "tune": confusion(x[tune, column] >= t, y[tune]),
                       "held_out": confusion(x[test, column] >= t, y[test])}
    w = fit_logistic(x[tune], y[tune])
    rule = AskedBeforeRule(float(w[0]), float(w[1]), float(w[2]), 0.0)
    p = np.asarray([rule.confidence(c, o) for c, o in x])
    t = lowest_threshold(p[tune], y[tune], TUNE_PRECISION)
    rules["logistic"] = {"intercept": round(float(w[0]), 4), "w_cosine": round(float(w[1]), 4),
                         "w_overlap": round(float(w[2]), 4), "threshold": round(t, 4),
                         "tune": confusion(p[tune] >= t, y[tune]), "held_out": confusion(p[test] >= t, y[test])}
    return {"split_date": SPLIT_DATE, "tune_precision": TUNE_PRECISION,
            "pairs": {"tune": _counts(pairs, tune), "held_out": _counts(pairs, test)}, "rules": rules}


def _counts(pairs: Sequence[Pair], mask: np.ndarray) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for pair, keep in zip(pairs, mask):
        if keep:
            counts[pair.kind] += 1
    return dict(sorted(counts.items()))
