"""Answers kept apart from the questions: one answer text split into blocks, one per question (or group).

The evidence, strongest first: line markers in the questions' own numbering
style (``a.`` ... ``c.``, ``I.``), numbered answers inside running text
(``1. ...``, ``1., 2. en 3. ...``, several rounds ``Defensie 1. ... 2. ...``),
the question text repeated above its answer. A single question takes the
whole text (without its own ``1.``).
"""
from __future__ import annotations

from . import metadata
from .items import AnswerBlock, QuestionItem
from .markers import Marker, answer_chain, inline_answer_markers, line_markers, styled_line_markers
from .sections import ANSWER_SECTION, paragraphs, split_footnotes
from .similarity import ECHO_THRESHOLD, best_match


def split_answers(text: str, questions: list[QuestionItem]) -> tuple[list[AnswerBlock], list[str]]:
    """Answer blocks of an answer text that follows all questions, and leftover pieces."""
    text, footnotes = split_footnotes(text.strip())
    leftovers = [footnotes] if footnotes else []
    section = ANSWER_SECTION.match(text)
    if section:  # the heading line ("Antwoorddatum: ...", "Beantwoording door het college, <date>")
        line_end = text.find("\n")
        leftovers.insert(0, text[: line_end if line_end >= 0 else len(text)].strip())
        text = text[line_end:].strip() if line_end >= 0 else ""
    while (label := next(iter(metadata.label_lines(text)), None)) and label.start() == 0:
        leftovers.append(label.group(0).strip())  # "Datum: ..." under the heading dates the answers
        text = text[label.end():].strip()
    numbers = tuple(n for q in questions for n in q.numbers)
    if not text:
        return [], leftovers
    if questions and questions[0].style != "1":  # "a." / "I." questions: their answers are numbered the same way
        chain = _increasing(m for m in styled_line_markers(text).get(questions[0].style, []) if m.last <= max(numbers))
        if chain:
            blocks, preamble = _blocks_from_chain(text, chain)
            return blocks, leftovers + preamble
    if len(questions) <= 1:  # the whole text; a "1." it opens with stays (the Belgian export writes one)
        return [AnswerBlock(text, pending=numbers or (1,))], leftovers
    chain = answer_chain(inline_answer_markers(text), max(numbers))
    if chain:
        blocks, preamble = _blocks_from_chain(text, chain)
        return _split_rounds(blocks, set(numbers)), leftovers + preamble
    chain = _increasing(m for m in line_markers(text) if m.last <= max(numbers))  # "1) Ja." lines
    if len(chain) >= 2:
        blocks, preamble = _blocks_from_chain(text, chain)
        return blocks, leftovers + preamble
    blocks, preamble = _blocks_from_echoes(text, questions)
    if blocks:
        return blocks, leftovers + preamble
    return [AnswerBlock(text, pending=numbers)], leftovers


def _increasing(markers) -> list[Marker]:
    """The longest run of increasing numbers: line-start markers in the questions' own style ("d." ... "h.")
    are strong evidence, so unlike :func:`answer_chain` a gap (unanswered questions) costs nothing."""
    markers = list(markers)
    best: list[list[Marker]] = []
    for marker in markers:
        before = [run for run in best if run[-1].last < marker.first]
        best.append(max(before, key=len, default=[]) + [marker])
    return max(best, key=len, default=[])


def _blocks_from_chain(text: str, chain: list[Marker]) -> tuple[list[AnswerBlock], list[str]]:
    preamble = text[: chain[0].start].strip()
    blocks = [
        AnswerBlock(text[m.end: nxt.start if nxt else len(text)].strip(), numbers=m.numbers)
        for m, nxt in zip(chain, chain[1:] + [None])
    ]
    if preamble and chain[0].first > 1:
        # "...text... 2. ..." : what precedes the first number answers the questions before it
        return [AnswerBlock(preamble, numbers=tuple(range(1, chain[0].first)))] + blocks, []
    return blocks, [preamble] if preamble else []


def _split_rounds(blocks: list[AnswerBlock], numbers: set[int]) -> list[AnswerBlock]:
    """Several services answering in turn: ``Defensie1. ... 2. ... Ambtenarenzaken1. ... 2. ...``.

    A second complete run 1..n inside the last answer starts a new round; a
    shorter list (``1. ... 2. ...`` of three questions) stays inside the answer.
    """
    for _ in range(10):
        last = blocks[-1]
        chain = answer_chain(inline_answer_markers(last.text), max(numbers))
        covered = {n for m in chain for n in m.numbers}
        if covered != numbers or last.text[: chain[0].start].rstrip().endswith(":"):
            break
        rest, _ = _blocks_from_chain(last.text, chain)
        last.text = last.text[: chain[0].start].strip()
        blocks.extend(rest)
    return blocks


def _blocks_from_echoes(text: str, questions: list[QuestionItem]) -> tuple[list[AnswerBlock], list[str]]:
    """Answers that repeat their question (unnumbered) above the answer paragraphs."""
    texts = [q.text for q in questions]
    blocks: list[AnswerBlock] = []
    preamble: list[str] = []
    units = paragraphs(text)
    if len(units) < 2:
        return [], []
    for paragraph in units:
        _, score = best_match(paragraph, texts)
        if score >= ECHO_THRESHOLD and "?" in paragraph:  # see _split_echo_tail
            if not blocks or blocks[-1].text:
                blocks.append(AnswerBlock(""))
            blocks[-1].echoes.append(paragraph)
        elif blocks:
            blocks[-1].text = (blocks[-1].text + "\n\n" + paragraph).strip()
        else:
            preamble.append(paragraph)
    if not blocks:
        return [], []
    return blocks, ["\n\n".join(preamble)] if preamble else []
