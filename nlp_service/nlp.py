"""The Dutch NLP pipeline: sentences (spaCy), lemmas (simplemma), stems (NLTK Snowball).

No Dutch spaCy model can be installed offline, so sentences come from
``spacy.blank("nl")`` with the rule-based sentencizer; NLTK's Snowball stemmer
needs no downloaded data. Lemma and stem lookups are memoised per word because
a corpus repeats a small vocabulary millions of times.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import simplemma
import spacy
from nltk.stem.snowball import SnowballStemmer
from spacy.lang.nl.stop_words import STOP_WORDS

# Words, and numbers with internal separators (2020, 3,5, 2024Z12345) kept whole.
_TOKEN_RE = re.compile(r"\w+(?:[-.,/]\w+)*", re.UNICODE)
_STEMMER = SnowballStemmer("dutch")
STOPWORDS = frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def _sentencizer():
    nlp = spacy.blank("nl")
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
    return [m.group(0) for m in _TOKEN_RE.finditer(unicodedata.normalize("NFC", text).lower())]


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="nl").lower()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    # Stemming the lemma folds irregular forms (werd -> worden -> word) that Snowball alone misses.
    return _STEMMER.stem(lemma(word))


def lemmas(text: str) -> list[str]:
    return [lemma(t) for t in tokens(text)]


def index_terms(text: str) -> list[str]:
    """The lexical index's terms: content words, lemmatised and stemmed."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]
