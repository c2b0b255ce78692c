"""Word-overlap similarity, used to recognise a question repeated above its answer."""
from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"\w+")

#: a repeated question may carry small edits; unrelated paragraphs score far lower
ECHO_THRESHOLD = 0.6


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the two word sets (1.0 = same words)."""
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


def best_match(text: str, candidates: Sequence[str]) -> tuple[int, float]:
    """Index and score of the candidate most similar to ``text`` (-1, 0.0 when none)."""
    best, score = -1, 0.0
    for index, candidate in enumerate(candidates):
        value = similarity(text, candidate)
        if value > score:
            best, score = index, value
    return best, score
