"""Dutch decompounding for the lexical index: *huurwoningtoewijzing* -> huur, woning, toewijzing.

A frequency-based split (Koehn & Knight 2003) over wordfreq's Dutch word list: a
word is cut into known words (each at least ``MIN_PART`` letters and at least
``MIN_ZIPF`` frequent, optionally joined by a linking ``s``, ``e``, ``en`` or ``er``),
and the split with the highest geometric mean of its parts' frequencies wins, if
that mean beats the frequency of the word itself: a common word (*organisatie*,
*beschikbaarheid*) stays whole, a rare compound splits. Parts that are derivational
suffixes when they stand last (*heid*, *schap*) are not parts.
"""
from __future__ import annotations

import math
from functools import lru_cache

#: words shorter than this are never split
MIN_WORD = 8
MIN_PART = 4
#: a part must be at least this frequent (Zipf scale: 3 = once per million words)
MIN_ZIPF = 2.5
MAX_PARTS = 4
LINKS = ("", "s", "e", "en", "er")
#: never a part: derivational endings that are also words (*heid*, *schap*), and verb particles and
#: prepositions (*onderzoek* is not onder + zoek, *samenwerking* not samen + werking); stop words neither
NOT_PARTS = frozenset({"heid", "heden", "schap", "schappen", "isme", "ingen", "lijk", "baar", "loos", "achtig",
                       "ties", "ster", "iteit", "ling", "lingen", "erij", "atie", "aties",
                       "over", "onder", "voor", "door", "terug", "samen", "open", "neer", "tegen", "achter",
                       "binnen", "buiten", "boven", "rond", "mede", "weder", "weer", "voort", "toe",
                       "erbij", "ervan", "erop", "eruit", "erin", "ermee", "erover", "ervoor", "erdoor", "eraan"})


@lru_cache(maxsize=1)
def _zipf() -> dict[str, float]:
    """wordfreq's large Dutch list as Zipf values, loaded on first use (~1 s). Only words frequent
    enough to be a part are kept: a rarer whole word scores 0, which decides nothing differently,
    since every split's mean is at least MIN_ZIPF."""
    from wordfreq import get_frequency_dict

    floor = 10 ** (MIN_ZIPF - 9)
    return {w: math.log10(f) + 9 for w, f in get_frequency_dict("nl", "large").items() if f >= floor}


def zipf(word: str) -> float:
    return _zipf().get(word, 0.0)


@lru_cache(maxsize=200_000)
def split(word: str) -> tuple[str, ...]:
    """The parts of ``word`` (lower-case letters), or ``()`` when it is not a compound."""
    if len(word) < MIN_WORD or not word.isalpha():
        return ()
    best = _best(word, MAX_PARTS)
    if best is None or len(best[1]) < 2:
        return ()
    score, parts = best
    return parts if score > zipf(word) else ()


@lru_cache(maxsize=400_000)
def _best(rest: str, budget: int) -> tuple[float, tuple[str, ...]] | None:
    """The best split of ``rest`` into at most ``budget`` parts: (mean Zipf, parts)."""
    candidates = []
    if _is_part(rest):
        candidates.append((zipf(rest), (rest,)))
    if budget > 1:
        for end in range(MIN_PART, len(rest) - MIN_PART + 1):
            head = rest[:end]
            if not _is_part(head):
                continue
            for link in LINKS:
                if not rest.startswith(link, end):
                    continue
                tail = _best(rest[end + len(link):], budget - 1)
                if tail is not None:
                    score, parts = tail
                    n = len(parts)
                    candidates.append(((zipf(head) + score * n) / (n + 1), (head, *parts)))
    return max(candidates, default=None)


def _is_part(word: str) -> bool:
    from .nlp import stopwords  # nlp imports this module

    return (len(word) >= MIN_PART and word not in NOT_PARTS and word not in stopwords()
            and zipf(word) >= MIN_ZIPF)
