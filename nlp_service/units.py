"""Search units: what gets embedded and indexed for each document.

Per document: one ``intro`` unit (title and intro, the context every question
of a letter shares, indexed once rather than repeated in each question), and
per question one ``question`` unit (title + question) and one ``answer`` unit
per passage of its answer. Long texts are split at sentence boundaries into
passages that fit the model's window, so nothing is silently truncated.
Intro units hang on the document's first question, so a hit on the context
shows the letter's first question and its answer.

Beside the pieces, one ``letter`` unit per document: the letter as a whole (title, intro and
all its questions, no answers), so that a letter about the subject as a whole can win over
one passage that mentions a word (issue #18; docs/evaluation.md, "Ranking with structure").
It is the one unit that is not split: BM25 indexes all of it, the encoder reads its first
512 tokens (the model's window). The tail of a long letter is in its question units anyway,
and one vector per letter keeps "the letter as a whole" one candidate; its text is exactly
the per-letter reference baseline's entry (evaluation/reference.py), so the two share their
vectors in the embedding cache. It hangs on the first question, like the intro.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import nlp
from .documents import Document

#: bumped whenever units or their index terms (nlp.index_terms) come out differently for the same
#: text (2: passages re-counted as encoded, glued words split; 3: compound parts beside the whole
#: word; 4: the whole-letter unit): every store re-splits and reindexes
#: on its next write, and each generation's manifest records the recipe it was built with
UNITS_RECIPE = 4
#: the kinds of unit (the store's CHECK names the same; schema.py, version 3)
INTRO, QUESTION, ANSWER, LETTER = "intro", "question", "answer", "letter"
#: the pieces of a letter: every kind but the whole-letter unit
PIECES = (INTRO, QUESTION, ANSWER)


@dataclass(frozen=True)
class Unit:
    """A piece of text that is indexed: a question, or one passage of its answer."""

    id: int
    question_id: int
    document_id: int
    kind: str
    part: int
    text: str


@dataclass(frozen=True)
class UnitDraft:
    """A unit before it is stored: its question by position in the document."""

    question_position: int
    kind: str
    part: int
    text: str


TokenCounter = Callable[[Sequence[str]], list[int]]


def split_passages(text: str, count_tokens: TokenCounter, max_tokens: int) -> list[str]:
    """Greedily pack whole sentences into passages of at most ``max_tokens`` tokens.

    ``count_tokens`` includes the prompt and special tokens, so the budget for
    sentences is what remains after the overhead of an empty passage.
    """
    text = text.strip()
    if not text:
        return []
    if count_tokens([text])[0] <= max_tokens:
        return [text]
    overhead = count_tokens([""])[0]
    budget = max_tokens - overhead
    pieces = []
    for sentence in nlp.sentences(text):
        pieces.extend(_split_long_sentence(sentence, count_tokens, budget))
    return _pack(pieces, [n - overhead for n in count_tokens(pieces)], budget, count_tokens, max_tokens)


def _pack(pieces: list[str], sizes: list[int], budget: int, count_tokens: TokenCounter,
          max_tokens: int) -> list[str]:
    """Pieces joined greedily within ``budget``, then each passage counted as it will be encoded.

    Sizes counted piece by piece are a guess: the tokenizer merges the space before a
    piece's first word differently alone and after another piece, so a passage can come
    out a few tokens over. Such a passage is packed again with a budget tighter by its
    overflow, so nothing past the window is ever cut off at encoding time.
    """
    groups: list[list[int]] = []
    used = 0
    for i, size in enumerate(sizes):
        if groups and used + size <= budget:
            groups[-1].append(i)
            used += size
        else:
            groups.append([i])
            used = size
    joined = [" ".join(pieces[i] for i in group) for group in groups]
    passages = []
    for group, text, n in zip(groups, joined, count_tokens(joined)):
        if n <= max_tokens or len(group) == 1:
            passages.append(text)
        else:
            passages += _pack([pieces[i] for i in group], [sizes[i] for i in group], budget - (n - max_tokens),
                              count_tokens, max_tokens)
    return passages


def _split_long_sentence(sentence: str, count_tokens: TokenCounter, budget: int) -> list[str]:
    """A 'sentence' longer than the window (an enumeration without full stops) is cut at words."""
    overhead = count_tokens([""])[0]
    if count_tokens([sentence])[0] - overhead <= budget:
        return [sentence]
    words = sentence.split()
    # Sentencepiece yields at most a few tokens per Dutch word; halve until it fits.
    step = max(1, budget // 3)
    chunks = [" ".join(words[i:i + step]) for i in range(0, len(words), step)]
    return [c for chunk in chunks for c in _split_long_sentence(chunk, count_tokens, budget)] \
        if len(chunks) > 1 else [sentence]


def question_text(document: Document, question_text: str) -> str:
    """A sub-question ('Hoeveel?') means little alone: its letter's title gives the subject."""
    if document.title and document.title not in question_text:
        return f"{document.title}\n{question_text}"
    return question_text


def letter_text(document: Document) -> str:
    """The letter as a whole: its title, intro and questions (no answers), a blank line apart."""
    return "\n\n".join(part for part in [document.title, document.intro, *(q.text for q in document.questions)]
                       if part)


def make_units(document: Document, count_tokens: TokenCounter, max_tokens: int) -> list[UnitDraft]:
    if not document.questions:
        return []
    units: list[UnitDraft] = []
    context = "\n".join(t for t in (document.title, document.intro) if t.strip())
    if document.intro.strip():
        units += [UnitDraft(0, INTRO, part, text)
                  for part, text in enumerate(split_passages(context, count_tokens, max_tokens))]
    for position, question in enumerate(document.questions):
        text = question_text(document, question.text)
        units += [UnitDraft(position, QUESTION, part, t)
                  for part, t in enumerate(split_passages(text, count_tokens, max_tokens))]
        if question.answer:
            units += [UnitDraft(position, ANSWER, part, t)
                      for part, t in enumerate(split_passages(question.answer, count_tokens, max_tokens))]
    whole = letter_text(document)
    return [*units, UnitDraft(0, LETTER, 0, whole)] if whole.strip() else units
