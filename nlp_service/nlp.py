"""The Dutch NLP pipeline: sentences (spaCy), lemmas (simplemma), stems (NLTK Snowball).

No Dutch spaCy model can be installed offline, so sentences come from
``spacy.blank("nl")`` with the rule-based sentencizer; NLTK's Snowball stemmer
needs no downloaded data. Lemma and stem lookups are memoised per word because
a corpus repeats a small vocabulary millions of times.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

import simplemma

from . import decompound


def _import_spacy_without_torch():
    """spaCy's thinc imports torch whenever it is installed (it is, for sentence-transformers):
    2.3 s and ~250 MB for every CLI command and server, although a blank Dutch pipeline never
    runs a torch layer. ``sys.modules["torch"] = None`` makes that one import fail softly; torch
    stays importable afterwards for the torch encoder backend and the model build. Called where
    spaCy is first needed, so importing this module leaves ``sys.modules`` alone."""
    if "torch" in sys.modules or "spacy" in sys.modules:
        import spacy
        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


# Numbers with internal separators (3,5 30.000 2016-2017 12/03) kept whole; words are split at
# every separator, so "halal-problematiek" also finds "halal" and a sentence glued to the next
# one ("veranderen.Verschillende", common in the exports) loses neither word.
TOKEN_RE = re.compile(r"\d+(?:[-.,/]\d+)+|\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    """NLTK's Dutch Snowball stemmer, imported on first use: importing nltk takes ~1.2 s (it pulls
    in scipy), which every command line call would pay, ``--help`` included."""
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer("dutch")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """spaCy's Dutch stop words (imported with spaCy on first use)."""
    _import_spacy_without_torch()
    from spacy.lang.nl.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def _sentencizer():
    nlp = _import_spacy_without_torch().blank("nl")
    nlp.add_pipe("sentencizer")
    return nlp


def normalize(text: str) -> str:
    """NFC-compose and fold whitespace, so decomposed accents match composed ones."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def sentences(text: str) -> list[str]:
    """Split a text into sentences (rule-based: Dutch abbreviations stay inside)."""
    text = text.strip()
    if not text:
        return []
    # spaCy's default max_length guards memory; a council answer never comes close.
    doc = _sentencizer()(text)
    return [s.text.strip() for s in doc.sents if s.text.strip()]


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, punctuation dropped."""
    return [m.group(0) for m in TOKEN_RE.finditer(unicodedata.normalize("NFC", text).lower())]


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="nl").lower()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    # Stemming the lemma folds irregular forms (werd -> worden -> word) that Snowball alone misses.
    return _stemmer().stem(lemma(word))


def lemmas(text: str) -> list[str]:
    return [lemma(t) for t in tokens(text)]


#: index a compound's parts beside the whole word (decompound.py), index and query side alike.
#: Measured (docs/judged.md): judged precedent search nDCG@10 lexical +0.075 +- 0.051, hybrid
#: +0.027 +- 0.021; title-only precedent search hybrid +0.021 +- 0.007; FAQ answers hybrid -0.008.
COMPOUND_PARTS = True


def index_terms(text: str, compound_parts: bool | None = None) -> list[str]:
    """The lexical index's terms: content words, lemmatised and stemmed, each compound's parts
    after it (``compound_parts``: default COMPOUND_PARTS; False for features calibrated without)."""
    stop = stopwords()
    if not (COMPOUND_PARTS if compound_parts is None else compound_parts):
        return [stem(t) for t in tokens(text) if t not in stop]
    terms = []
    for token in tokens(text):
        if token not in stop:
            terms.append(stem(token))
            terms.extend(stem(part) for part in decompound.split(token))
    return terms
