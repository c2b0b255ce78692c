"""The layout splitter: intro, numbered questions, answer blocks and leftovers.

**Approach: evidence, not templates.** A letter from a council the parser has
never seen still has a plain structure; the splitter reads it from several
kinds of evidence that do not depend on one council's habits, and weighs them
together instead of matching one rule per known layout:

* *numbering runs* (:mod:`.markers`): every candidate marker (``1.`` ``1)``
  ``1:`` ``(1)`` ``a.`` ``I.`` ``Vraag 1``, inline ``?2.``) carries a strength
  from its context (line start, after ``?``, after a full stop, after a
  reference word like ``artikel``); a dynamic programme picks the strongest run
  1, 2, 3, ...; among line-start styles the run whose items *ask* (hold a
  ``?``) wins, so sub-items ``a.`` inside ``1.`` or initials ``I.`` lose;
  bullets and bare lines ending in ``?`` are items too (unnumbered letters);
* *headings* (:mod:`.sections`), in any case and with or without colon: a
  question heading (``Vragen``, ``VRAGEN``, ``Schriftelijke vragen``) and an
  answer-section heading (``Antwoorden``, ``ANTWOORDEN VAN HET COLLEGE``,
  ``Beantwoording door het college, <date>``, ``Antwoorddatum``) bound the
  question list; without one, the questions' own numbering restarting after
  the last question has asked starts the answers;
* *answer markers*: ``Antwoord 2``, ``Antwoord op vraag 3 en 4``, ``Ad 2)``,
  ``Antwoord:``, ``Antwoord van het college:``, ``Reactie college:`` between the
  questions; numbered answers in the questions' style after them (:mod:`.answers`);
* *repeated question text*: a question asked again above its answer links the
  two (:mod:`.linker`) and takes the first list out of the intro;
* *position of dates and signatures*: a signature (by the shape of its lines,
  :mod:`.signatures`) ends the last question, also directly under it; a date
  label before the questions dates the submission, after them the answer
  (:mod:`.metadata`).

The shapes this yields:

* interleaved: answer headers at line start between the questions. This covers
  the Tweede Kamer Aanhangsel (``Vraag N`` / ``Antwoord N``), answer letters and
  the Leiden layout (question list, then each question repeated above
  ``Antwoord:``);
* separate: the questions first, the answers after an answer-section heading,
  after a restart of the numbering, or in a field of their own (the Belgian
  export), numbered inline or not at all;
* unsplittable: no numbering. Paragraphs or list items that ask something (end
  in ``?``) become questions 1..n; otherwise the body is kept as one question
  ``1`` (or, with no question mark at all, as intro only). Either way a warning
  says so.

The splitter only finds structure; :mod:`.linker` decides which question an
answer block belongs to. Nothing is dropped: what fits no question or answer
goes to ``Layout.other``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import footnotes, sections, signatures
from .answers import split_answers
from .items import AnswerBlock, Layout, QuestionItem
from .markers import LINE, Marker, answer_headers, candidates_of_style, question_markers, smallest_unused
from .similarity import ECHO_THRESHOLD, best_match


# --- text clean-up -----------------------------------------------------------

_FURNITURE = re.compile(
    r"^(?:[^\n]*Tweede Kamer, vergaderjaar \d{4}[–-]\d{4}, (?:Aanhangsel|Vragen)(?: \d+)?|[ \t]*(?:ah|kv)-tk-[\w-]+)[ \t]*$\n?",
    re.MULTILINE,
)
_ASKS = re.compile(r"\?[\s\d)\]]*$")  # ends with "?", perhaps followed by a footnote mark "1)"


def normalize(text: str) -> str:
    """Unify line ends and spaces; keep every word."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = re.sub(r"[\xa0\u2007\u202f\t]", " ", text)
    text = re.sub(r"[ ]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def strip_page_furniture(text: str) -> tuple[str, list[str]]:
    """Remove running headers/footers of Tweede Kamer PDFs (``...Aanhangsel 2``, ``ah-tk-...``)."""
    removed = [m.group(0).strip() for m in _FURNITURE.finditer(text)]
    return _FURNITURE.sub("", text), [line for line in removed if line]


_paragraphs = sections.paragraphs
_cut_closing = sections.cut_closing
_split_signature = sections.split_signature
_split_footnotes = sections.split_footnotes
_ANSWER_SECTION = sections.ANSWER_SECTION
_BLANK_LINE = sections.BLANK_LINE


def _units(text: str) -> list[str]:
    """Paragraphs; for text without blank lines (from PDF), its lines."""
    paragraphs = _paragraphs(text)
    if len(paragraphs) == 1:
        return [line.strip() for line in text.splitlines() if line.strip()]
    return paragraphs


# --- entry point -------------------------------------------------------------


def split_layout(text: str, answer_text: str | None = None, is_question: bool = False) -> Layout:
    """Split one document.

    ``answer_text`` is given when an export keeps answers apart; ``is_question``
    when ``text`` is an export's question field, which asks something even
    without a question mark ("Graag de cijfers per jaar.").
    """
    body, furniture = strip_page_furniture(normalize(text))
    if answer_text is None and not is_question:
        body, notes = footnotes.split_footnotes(body)
        furniture += notes
    if answer_text is not None or is_question:
        layout = _split_separate(body, normalize(answer_text or ""), is_question)
    elif headers := answer_headers(body):
        layout = _split_interleaved(body, headers)
    else:
        layout = _split_separate(*_cut_answer_section(body))
    if layout.answers and answer_text is None:  # "Burgemeester en wethouders van Leiden, ..." under the last answer
        layout.answers[-1].text, closing = sections.cut_college_closing(layout.answers[-1].text)
        layout.other.extend(closing)
    layout.other.extend(furniture)
    return layout


def _cut_answer_section(body: str) -> tuple[str, str]:
    """Questions before ``Antwoorddatum`` (after the first question), answers after it."""
    chain = question_markers(body)
    if not chain:
        return body, ""
    match = next((m for m in _ANSWER_SECTION.finditer(body) if m.start() > chain[0].start), None)
    if match:
        return body[: match.start()], body[match.start():]
    restart = _numbering_restart(body, chain)
    return (body[:restart], body[restart:]) if restart else (body, "")


def _numbering_restart(body: str, chain: list[Marker]) -> int | None:
    """Answers without a heading: after the last question has asked (and a blank line), a line marker of
    the questions' own style with a number already used ("a. Ja, ..." under "a. ... c. ...?") starts them."""
    if chain[-1].strength != LINE:
        return None
    asked = body.find("?", chain[-1].end)
    used = {n for marker in chain for n in marker.numbers}
    for candidate in candidates_of_style(body, chain):
        line = body[candidate.start:].split("\n", 1)[0]
        if (asked >= 0 and candidate.start > asked and candidate.first in used and candidate.style == chain[0].style
                and "\n\n" in body[asked:candidate.start] and candidate.strength == LINE
                and not footnotes.cites(line)):  # "1) NOS, 12 november 2024, ..." is a footnote
            return candidate.start
    return None


# --- questions ---------------------------------------------------------------


def split_questions(text: str, is_question: bool = False) -> Layout:
    """Intro and numbered questions of a question text (answers not included)."""
    layout = Layout()
    text, footnotes = _split_footnotes(text)  # "1) source" lines would pass for question 1
    chain = question_markers(text)
    if not chain:
        layout = _split_unnumbered(text, is_question)
        layout.other.extend([footnotes] if footnotes else [])
        return layout
    layout.intro = text[: chain[0].start].strip()
    for marker, following in zip(chain, chain[1:] + [None]):
        raw = text[marker.end: following.start if following else len(text)]
        _add_question(layout, marker, raw)
    if footnotes:
        layout.other.append(footnotes)
    return layout


def _add_question(layout: Layout, marker: Marker, raw: str) -> None:
    kept, leftovers = _cut_closing(raw)
    kept, signature = _split_signature(kept)
    layout.questions.append(QuestionItem(marker.numbers, kept, marker.style))
    layout.other.extend(leftovers)
    if signature:
        layout.signature.extend(signature)
        layout.other.append("\n".join(signature))


def _split_unnumbered(text: str, is_question: bool = False) -> Layout:
    """No numbering: paragraphs (or bulleted / asking lines) that ask something become questions 1..n."""
    paragraphs = _question_units(_paragraphs(text))
    asking = [i for i, p in enumerate(paragraphs) if _ASKS.search(p)]
    if len(paragraphs) > 1 and asking:
        first, last = asking[0], asking[-1]
        layout = Layout(intro="\n\n".join(paragraphs[:first]))
        for number, paragraph in enumerate(paragraphs[first: last + 1], start=1):
            layout.questions.append(QuestionItem((number,), _BULLET.sub("", paragraph)))
        for paragraph in paragraphs[last + 1:]:
            lines = [line for line in paragraph.splitlines() if line.strip()]
            if all(signatures.signature_line(line) for line in lines):
                layout.signature.extend(line.strip() for line in lines)
            layout.other.append(paragraph)
        layout.warnings.append("questions are not numbered: numbered by paragraph")
        return layout
    if "?" in text or (is_question and text.strip()):
        layout = Layout(questions=[QuestionItem((1,), text.strip())])
        if len(paragraphs) > 1 or re.search(r"\?.*\?", text, re.S):
            layout.warnings.append("no numbered questions found: kept as one question")
        return layout
    return Layout(intro=text.strip(), warnings=["no questions found: kept as intro"])


_BULLET = re.compile(r"^[ \t]*[-•*–·▪◦][ \t]+")


def _question_units(paragraphs: list[str]) -> list[str]:
    """A paragraph holding two or more list items that ask (bulleted, or lines ending in ``?``) is split
    into its items; a wrapped line stays with its item."""
    units: list[str] = []
    for paragraph in paragraphs:
        items = sections.list_items(paragraph)
        if sum(bool(_ASKS.search(item)) for item in items) >= 2:
            units.extend(items)
        else:
            units.append(paragraph)
    return units


# --- answers kept apart ------------------------------------------------------


def _split_separate(question_text: str, answer_text: str, is_question: bool = False) -> Layout:
    layout = split_questions(question_text, is_question)
    if answer_text.strip():
        answers, leftovers = split_answers(answer_text, layout.questions)
        layout.answers.extend(answers)
        layout.other.extend(leftovers)
    return layout


# --- interleaved -------------------------------------------------------------


@dataclass
class _Span:
    kind: str  # "q" or "a"
    marker: Marker
    text: str = ""


def _anchor_group(candidates: list[Marker], lo: int, hi: int, used: set[int], wanted: tuple[int, ...]) -> list[Marker]:
    """The questions asked between two answers.

    They sit right before the answer, so the run starts at the *last* marker
    carrying the next unused number (a list inside the previous answer may
    repeat that number earlier) and continues forward.
    """
    region = [c for c in candidates if lo <= c.start and c.end <= hi and not used & set(c.numbers)]
    expected = smallest_unused(used)
    starts = [c for c in region if c.first == expected]
    if not starts and wanted:
        starts = [c for c in region if c.first == min(wanted)]
    if not starts:
        return []
    group = [starts[-1]]
    taken = set(used) | set(starts[-1].numbers)
    for candidate in region:
        fits = candidate.first == smallest_unused(taken) and not taken & set(candidate.numbers)
        if fits and candidate.start >= group[-1].end:
            group.append(candidate)
            taken |= set(candidate.numbers)
    used |= taken
    return group


def _interleaved_spans(text: str, headers: list[Marker]) -> list[_Span]:
    candidates = candidates_of_style(text, question_markers(text))
    spans: list[_Span] = []
    used: set[int] = set()
    cursor = 0
    for header in [*headers, None]:
        end = header.start if header else len(text)
        spans += [_Span("q", m) for m in _anchor_group(candidates, cursor, end, used, header.numbers if header else ())]
        if header:
            spans.append(_Span("a", header))
            cursor = header.end
    for span, following in zip(spans, spans[1:] + [None]):
        span.text = text[span.marker.end: following.marker.start if following else len(text)]
    return spans


def _split_echo_tail(text: str, questions: list[str]) -> tuple[str, list[str]]:
    """Split off the question(s) repeated at the end of ``text``, just above an ``Antwoord:``.

    The first paragraph of ``text`` is never a repetition: it is the question
    or the answer that follows the marker. A repetition asks something (has a
    ``?``): "Ja, het college is bekend met het bericht." shares nearly all its
    words with the question it answers.
    """
    echoes: list[str] = []
    remaining = text.rstrip()
    while remaining:
        units = _units(remaining)
        if len(units) < 2:
            break
        last = units[-1]
        if "\n" in last:
            last = last.splitlines()[-1].strip()
        _, score = best_match(last, questions)
        if score < ECHO_THRESHOLD or "?" not in last:
            break
        echoes.insert(0, last)
        remaining = remaining[: remaining.rindex(last)].rstrip()
    return remaining, echoes


def _question_draft(text: str) -> str:
    """What a repeated question is compared with: the question up to its first line-ending ``?``.

    The span of the last question before the answers also holds the signature
    and the first repetition; those must not blur the comparison.
    """
    end = re.search(r"\?[ \t]*(?:\n|$)", text)
    return text[: end.end()].strip() if end else (_paragraphs(text) or [""])[0]


def _split_interleaved(text: str, headers: list[Marker]) -> Layout:
    spans = _interleaved_spans(text, headers)
    if not any(span.kind == "q" for span in spans):
        return _split_paragraph_questions(text, headers)
    layout = Layout(intro=text[: spans[0].marker.start].strip())
    drafts = [_question_draft(span.text) for span in spans if span.kind == "q"]
    echoes_before: dict[int, list[str]] = {}
    for index, (span, following) in enumerate(zip(spans, spans[1:])):
        if following.kind == "a" and not following.marker.numbers:
            span.text, echoes_before[index + 1] = _split_echo_tail(span.text, drafts)
    groups = _collect(layout, spans, echoes_before)
    _assign_pending(layout.answers, groups)
    return layout


def _collect(layout: Layout, spans: list[_Span], echoes_before: dict[int, list[str]]) -> list[tuple[int, ...]]:
    """Fill questions and answer blocks; return, per answer, the questions right before it."""
    groups: list[tuple[int, ...]] = []
    group: list[int] = []
    for index, span in enumerate(spans):
        last = index == len(spans) - 1
        if last:
            span.text, footnotes = _split_footnotes(span.text)
            if footnotes:
                layout.other.append(footnotes)
        if span.kind == "q":
            _add_question(layout, span.marker, span.text)
            group.extend(span.marker.numbers)
            continue
        kept, leftovers = _cut_closing(span.text) if last else (span.text.strip(), [])
        layout.other.extend(leftovers)
        echoes = echoes_before.get(index, [])
        layout.other.extend(echoes)  # the repeated question: a copy, kept so nothing is lost
        layout.answers.append(AnswerBlock(kept, numbers=span.marker.numbers, echoes=echoes, pending=tuple(group)))
        groups.append(tuple(group))
        group = []
    return groups


def _assign_pending(blocks: list[AnswerBlock], groups: list[tuple[int, ...]]) -> None:
    """Which questions an answer without number or repeated question follows.

    After one ``Antwoord:`` the questions just before it are answered together;
    n questions followed by n bare ``Antwoord:`` headers are answered in order.
    A bare ``Antwoord:`` with no question before it is left to the linker,
    which treats it as a further paragraph of the previous answer.
    """
    index = 0
    while index < len(blocks):
        block, group = blocks[index], groups[index]
        if block.numbers or block.echoes or not group:  # pending stays the group: the linker's fallback
            index += 1
            continue
        run = 1
        while index + run < len(blocks) and _bare(blocks[index + run], groups[index + run]):
            run += 1
        if run == len(group) > 1:
            for offset, number in enumerate(group):
                blocks[index + offset].pending = (number,)
            index += run
        else:
            index += 1


def _bare(block: AnswerBlock, group: tuple[int, ...]) -> bool:
    """An ``Antwoord:`` with no number, no repeated question and no question right before it."""
    return not (group or block.numbers or block.echoes)


_BARE_VRAAG = re.compile(r"^[ \t]*Vraag[ \t]*:?[ \t]*(?:\n|$)", re.IGNORECASE)  # "Vraag:" above each question


def _split_paragraph_questions(text: str, headers: list[Marker]) -> Layout:
    """``Antwoord:`` headers but no numbered questions: the paragraph above each is its question."""
    layout = Layout(warnings=["questions are not numbered: the paragraph above each answer is taken as its question"])
    *intro, question = _units(text[: headers[0].start]) or [""]
    layout.intro = "\n\n".join(intro)
    number = 0
    for header, following in zip(headers, headers[1:] + [None]):
        number = max(header.numbers) if header.numbers else number + 1
        numbers = header.numbers or (number,)
        layout.questions.append(QuestionItem(numbers, _BARE_VRAAG.sub("", question)))
        paragraphs = _units(text[header.end: following.start if following else len(text)])
        question = paragraphs.pop() if following and len(paragraphs) > 1 else ""
        layout.answers.append(AnswerBlock("\n\n".join(paragraphs), numbers=numbers))
    return layout
