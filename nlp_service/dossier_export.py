"""A dossier as a Markdown text or a Word document (python-docx), for drafting the answer.

Both take the dict of :meth:`nlp_service.dossier.DossierBuilder.build` and hold the same
things: the asked-before warnings first, then per question its precedents with the
college's earlier answers, then the most similar earlier letters.
"""
from __future__ import annotations

import io
import json

from docx import Document as WordDocument

FORMATS = ("json", "md", "docx")
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
NO_ANSWER = "(nog geen antwoord)"


def letter_title(dossier: dict) -> str:
    letter = dossier["letter"]
    return letter.get("title") or letter.get("external_id") or "Nieuwe brief"


def card_line(document: dict) -> str:
    """``Titel (2020-02-03, Partij; collectie)``: a precedent's letter in one line."""
    who = ", ".join(document.get("parties") or document.get("authors") or [])
    facts = "; ".join(x for x in (", ".join(x for x in (document.get("submitted") or "datum onbekend", who) if x),
                                  document.get("source") or "") if x)
    return f"{document.get('title') or document.get('external_id')} ({facts})"


def warnings(dossier: dict) -> list[str]:
    """One sentence per question that was asked before, naming the earlier question."""
    lines = []
    for question in dossier["questions"]:
        verdict = question["asked_before"]
        if verdict is None:
            continue
        earlier = next((p for p in question["precedents"] if p["question"]["id"] == verdict["question_id"]), None)
        where = (f"vraag {earlier['question']['number']} van {card_line(earlier['document'])}" if earlier
                 else f"vraag {verdict['question_id']}")
        lines.append(f"Vraag {question['number']} is eerder gesteld: {where} "
                     f"(zekerheid {verdict['confidence']:.0%}).")
    return lines


def to_markdown(dossier: dict) -> str:
    letter = dossier["letter"]
    out = [f"# Dossier: {letter_title(dossier)}", ""]
    meta = [("Ingediend", letter.get("submitted")), ("Door", ", ".join(letter.get("authors") or [])),
            ("Partij", ", ".join(letter.get("parties") or []))]
    out += [f"- {label}: {value}" for label, value in meta if value] + [""]
    found = warnings(dossier)
    if found:
        out += ["## Eerder gesteld", ""] + [f"- {line}" for line in found] + [""]
    for question in dossier["questions"]:
        out += [f"## Vraag {question['number']}", "", _quote(question["text"]), ""]
        if not question["precedents"]:
            out += ["Geen eerdere vragen gevonden.", ""]
        for rank, precedent in enumerate(question["precedents"], start=1):
            out += [f"### {rank}. {card_line(precedent['document'])}, vraag {precedent['question']['number']}", "",
                    "**Vraag:**", "", _quote(precedent["question"]["text"]), "",
                    "**Antwoord:**", "", _quote(precedent["answer"] or NO_ANSWER), ""]
            for other in precedent.get("more", ()):  # the letter's other matching questions
                out += [f"**Ook passend, vraag {other['question']['number']}:**", "", _quote(other["question"]["text"]),
                        "", "**Antwoord:**", "", _quote(other["answer"] or NO_ANSWER), ""]
    if dossier["similar_letters"]:
        out += ["## Vergelijkbare eerdere brieven", ""]
        out += [f"- {card_line(s['document'])}: past bij {s['questions_matched']} van de vragen"
                for s in dossier["similar_letters"]]
    return "\n".join(out).rstrip() + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines()) or ">"


def to_docx(dossier: dict) -> bytes:
    word = WordDocument()
    word.add_heading(f"Dossier: {letter_title(dossier)}", level=0)
    letter = dossier["letter"]
    facts = [x for x in (letter.get("submitted"), ", ".join(letter.get("authors") or []),
                         ", ".join(letter.get("parties") or [])) if x]
    if facts:
        word.add_paragraph(" · ".join(facts))
    found = warnings(dossier)
    if found:
        word.add_heading("Eerder gesteld", level=1)
        for line in found:
            word.add_paragraph(line, style="List Bullet")
    for question in dossier["questions"]:
        word.add_heading(f"Vraag {question['number']}", level=1)
        word.add_paragraph(question["text"])
        word.add_paragraph("Concept-antwoord:").runs[0].bold = True
        word.add_paragraph("")
        if not question["precedents"]:
            word.add_paragraph("Geen eerdere vragen gevonden.")
        for rank, precedent in enumerate(question["precedents"], start=1):
            word.add_heading(f"{rank}. {card_line(precedent['document'])}, vraag {precedent['question']['number']}",
                             level=2)
            pairs = [precedent, *precedent.get("more", ())]  # the letter's other matching questions below
            table = word.add_table(rows=1 + len(pairs), cols=2)
            table.style = "Table Grid"
            table.cell(0, 0).text, table.cell(0, 1).text = "Eerdere vraag", "Antwoord van het college"
            for row, pair in enumerate(pairs, start=1):
                also = "" if row == 1 else f"Ook passend, vraag {pair['question']['number']}: "
                table.cell(row, 0).text = also + pair["question"]["text"]
                table.cell(row, 1).text = pair["answer"] or NO_ANSWER
    if dossier["similar_letters"]:
        word.add_heading("Vergelijkbare eerdere brieven", level=1)
        for similar in dossier["similar_letters"]:
            word.add_paragraph(f"{card_line(similar['document'])}: past bij {similar['questions_matched']} "
                               f"van de vragen", style="List Bullet")
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def render(dossier: dict, fmt: str) -> bytes:
    """The dossier in ``fmt`` (one of FORMATS) as bytes to write or send."""
    if fmt == "docx":
        return to_docx(dossier)
    if fmt == "md":
        return to_markdown(dossier).encode("utf-8")
    return (json.dumps(dossier, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
