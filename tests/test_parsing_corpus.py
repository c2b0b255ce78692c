"""The parser on the real shared corpus: the Leiden seed, the Tweede Kamer export, the Belgian gold sample."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from nlp_service.config import Settings
from nlp_service.parsing import parse_bytes, parse_path

DATA = Settings().data_dir
GOLD = Path(__file__).parent / "data" / "dekamer_gold.json"
SEED = DATA / "leiden" / "2020-02-03-sociaal-scheefwonen.txt"
TK = DATA / "tweedekamer-2024"
BELGIAN = DATA / "dekamer-2017" / "questions.jsonl"

if not DATA.is_dir():  # the tests are about this corpus: without it they fail, as every data test does
    pytest.fail(f"shared corpus not found at {DATA}: set NLP_SERVICE_DATA", pytrace=False)


def flat(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


# --- the seed ----------------------------------------------------------------


def test_seed_questions_and_answers() -> None:
    [document] = parse_path(SEED)
    assert (document.source, document.external_id) == ("leiden", "2020-02-03-sociaal-scheefwonen")
    assert document.submitted == "2020-02-03" and document.answered == "2020-03-11"
    assert document.authors == ["Maarten Kersten"] and document.parties == ["Partij Sleutelstad"]
    assert [q.number for q in document.questions] == ["1", "2", "3", "4", "5", "6"]
    starts = [
        "Ja, het College is bekend",
        "Naar aanleiding van de vastgestelde Woonvisie",
        "Bij de uitstroom uit intramurale instellingen",
        "Allereerst is enige nuancering",
        "Juist in kwetsbare wijken",
        "Zoals hierboven aangegeven hebben we",
    ]
    for question, start in zip(document.questions, starts):
        assert question.answer.startswith(start), (question.number, question.answer[:60])
    # answers over several paragraphs stay whole; the repeated question is not part of them
    assert "Provincie Zuid-Holland" in document.questions[1].answer
    assert document.questions[5].answer.rstrip().endswith("ondersteuning die nodig is.")
    assert "Concreter" not in document.questions[0].answer
    assert document.questions[0].text == "Is de gemeente bekend met dit rapport en heeft zij daarop al geacteerd?"
    assert document.intro.startswith("Vandaag, 3 februari 2020") and not document.warnings


def test_seed_loses_no_word() -> None:
    [document] = parse_path(SEED)
    kept = " ".join([document.title, document.intro, document.other, *document.authors, *document.parties,
                     *(q.text for q in document.questions), *(q.answer or "" for q in document.questions)])
    lost = set(re.findall(r"\w+", SEED.read_text(encoding="utf-8"))) - set(re.findall(r"\w+", kept))
    assert {w for w in lost if not w.isdigit()} <= {"Antwoord"}, lost  # "Antwoord:" and "4." are structure


# --- Tweede Kamer ------------------------------------------------------------

_NUMBERS = r"\d+(?:\s*(?:,|en|t/m|tot en met|-)\s*\d+)*"
_VRAAG_HEADER = re.compile(rf"^\s*Vra(?:ag|gen) ({_NUMBERS})\s*:?\s*$", re.M)
_NUMBERED_LINE = re.compile(r"^\s*(\d+)(?:[.)]\s|\s*$)", re.M)
_ANSWER_HEADER = re.compile(rf"^\s*Antwoord(?:en)?(?: op)?(?: vra(?:ag|gen))?(?: {_NUMBERS})?\s*:?\s*$", re.M)


def _numbers(label: str) -> list[int]:
    spans = [range(int(a), int(b) + 1) for a, b in re.findall(r"(\d+)\s*(?:-|t/m|tot en met)\s*(\d+)", label)]
    return sorted({int(n) for n in re.findall(r"\d+", label)} | {n for span in spans for n in span})


def expected_answer_starts(text: str) -> dict[int, str | None]:
    """An independent, simpler reading of the interleaved layout.

    Each question header (``Vraag N``, or ``N.`` / a bare ``N`` line counted
    1, 2, 3, ...) is answered by the text after the first answer header that
    follows it; ``None`` when none follows.
    """
    heads = [(m.end(), _numbers(m.group(1))) for m in _VRAAG_HEADER.finditer(text)]
    if not heads:
        position, number = 0, 1
        for m in _NUMBERED_LINE.finditer(text):
            if int(m.group(1)) == number and m.start() >= position:
                heads.append((m.end(), [number]))
                position, number = m.end(), number + 1
    answer_ends = [m.end() for m in _ANSWER_HEADER.finditer(text)]
    expected: dict[int, str | None] = {}
    for end, numbers in heads:
        following = next((a for a in answer_ends if a > end), None)
        for number in numbers:
            expected[number] = None if following is None else flat(text[following:following + 200])[:30]
    return expected


def tk_rows() -> tuple[dict[str, str], list[dict]]:
    csv.field_size_limit(2**31 - 1)
    with open(TK / "documents.csv", encoding="utf-8", newline="") as fh:
        texts = {row["name"]: row["text_content"] for row in csv.DictReader(fh)}
    with open(TK / "index.tsv", encoding="utf-8", newline="") as fh:
        return texts, list(csv.DictReader(fh, delimiter="\t"))


def test_tweedekamer_questions_linked_to_their_own_answer() -> None:
    texts, index = tk_rows()
    documents = {d.external_id: d for d in parse_path(TK / "documents.csv")}
    assert len(documents) == 86 and {d.source for d in documents.values()} == {"tweedekamer-2024"}
    linked = total = 0
    for row in index:
        if row["kind"] not in ("ah_qa", "docx_qa"):
            continue
        by_number = {n: q for q in documents[row["name"]].questions for n in _numbers(q.number)}
        for number, start in expected_answer_starts(texts[row["name"]]).items():
            total += 1
            answer = flat(by_number[number].answer) if number in by_number and by_number[number].answer else None
            if start is None:
                linked += answer is None
            elif answer is not None:
                linked += answer[:30] == start or (len(answer) < 30 and start.startswith(answer))
    print(f"\nTweede Kamer: {linked}/{total} numbered questions linked to their own answer ({linked / total:.1%})")
    assert total >= 450 and linked / total >= 0.98


def test_tweedekamer_question_counts_and_unanswered_kinds() -> None:
    texts, index = tk_rows()
    documents = {d.external_id: d for d in parse_path(TK / "documents.csv")}
    for row in index:
        document = documents[row["name"]]
        numbered = set(expected_answer_starts(texts[row["name"]]))  # "Vraag 2 en 3" counts 2 and 3
        assert numbered <= {n for q in document.questions for n in _numbers(q.number)}, row["name"]
        if row["kind"] in ("kv_questions_only", "uitstel"):
            assert all(q.answer is None for q in document.questions), row["name"]


def test_tweedekamer_metadata() -> None:
    documents = {d.external_id: d for d in parse_path(TK / "documents.csv")}
    aanhangsel = documents["Antwoord_op_vragen_van_het_lid_Daniëlle_.pdf"]
    assert aanhangsel.authors == ["Daniëlle Jansen"] and aanhangsel.parties == ["Nieuw Sociaal Contract"]
    assert (aanhangsel.submitted, aanhangsel.answered) == ("2024-10-30", "2024-11-19")
    assert aanhangsel.title.startswith("het bericht «Meer ziekenhuizen")
    # running headers of the PDF leave the answers
    assert not any("vergaderjaar 2024–2025, Aanhangsel" in (q.answer or "") for q in aanhangsel.questions)
    two = documents["Uitstel_beantwoording_vragen_van_de_lede.pdf"]
    assert two.authors == ["Van den Hil", "Bikker"] and two.parties == ["VVD", "ChristenUnie"]
    both = documents["Het_artikel_'Aidsfonds_maakt_zich_zorgen.pdf"]
    assert both.parties == ["D66"] and len(both.authors) == 2  # "A en B (beiden D66)"
    combined = documents["Antwoord_op_vragen_van_het_lid_Martens-A.pdf"]
    assert [q.number for q in combined.questions] == ["1", "2 en 3", "4", "5 en 6", "7"]


# --- Belgian gold sample -----------------------------------------------------


def gold_documents() -> tuple[list[dict], dict[str, object]]:
    records = json.loads(GOLD.read_text(encoding="utf-8"))["records"]
    wanted = {r["doc_id"] for r in records}
    lines = [line for line in BELGIAN.read_text(encoding="utf-8").splitlines()
             if line and str(json.loads(line)["doc_id"]) in wanted]
    documents = parse_bytes("\n".join(lines).encode(), "questions.jsonl", "dekamer-2017")
    return records, {d.external_id: d for d in documents}


def link_scores(records: list[dict], documents: dict[str, object]) -> tuple[float, float, float]:
    """Link precision, link recall and the share of records whose question numbers are exactly right."""
    correct = predicted = expected = numbers_right = 0
    for record in records:
        gold = {q["number"]: q for q in record["questions"]}
        questions = documents[record["doc_id"]].questions
        numbers_right += [q.number for q in questions] == list(gold)
        expected += sum(q["answer_start"] is not None for q in gold.values())
        for question in questions:
            if question.answer is None:
                continue
            predicted += 1
            truth = gold.get(question.number)
            if truth and truth["answer_start"] is not None:
                answer = flat(question.answer)
                correct += answer.startswith(flat(truth["answer_start"])) and flat(truth.get("answer_contains")) in answer
    return correct / predicted, correct / expected, numbers_right / len(records)


def test_belgian_gold_links() -> None:
    records, documents = gold_documents()
    assert len(records) >= 50 and set(documents) == {r["doc_id"] for r in records}
    precision, recall, numbering = link_scores(records, documents)
    print(f"\nBelgian gold ({len(records)} records): link precision {precision:.3f}, recall {recall:.3f}, "
          f"question numbering exact {numbering:.3f}")
    assert precision >= 0.9 and recall >= 0.9 and numbering >= 0.9


def test_belgian_record_fields() -> None:
    _, documents = gold_documents()
    document = documents["186455"]
    assert document.title == "Vergeten bankrekeningen." and document.source == "dekamer-2017"
    assert document.submitted and len(document.authors) == 1 and "," not in document.authors[0]
    assert document.parties


@pytest.mark.corpus
def test_whole_belgian_export_parses() -> None:
    documents = parse_path(BELGIAN)
    assert len(documents) == 3811
    assert sum(1 for d in documents for q in d.questions if q.answer) > 9000
    assert all(d.questions or d.intro for d in documents)
