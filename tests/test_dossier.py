"""The dossier of an incoming letter over the session index: asked-before verdicts, precedents,
the same dossier from DOCX and PDF, the exports, the API, the CLI and the page."""
from __future__ import annotations

import io
import json

import pytest

from nlp_service.dossier import one_letter
from nlp_service.parsing import ParseError, parse_text
from nlp_service.service import Service
from nlp_service.web import create_app

pytestmark = pytest.mark.model

TITLE = "Verloederende wijken en scheefwonen"
#: questions 1 and 2 re-ask Leiden's questions 4 and 5 in other words; 3 asks something new
QUESTIONS = [
    "Is het college bereid om met spoed een inventarisatie te maken van de mogelijk verloederende "
    "buurten en wijken in Leiden?",
    "Welke stappen gaat het college nemen om niet alleen het goedkope scheefwonen te bestrijden, "
    "maar nu vooral ook het sociale scheefwonen?",
    "Hoeveel oplaadpunten voor elektrische deelscooters wil het college dit jaar bij het station plaatsen?",
]
LETTER_LINES = [TITLE, "", "Indiendatum: 14 maart 2023", "", "Door: Test Raadslid", "",
                "Wij lazen opnieuw berichten over wijken waar de leefbaarheid achteruitgaat.", "", "Vragen:", ""] + \
               [f"{n}. {q}" for n, q in enumerate(QUESTIONS, start=1)] + ["", "Test Raadslid", "Testpartij"]
LETTER = "\n".join(LETTER_LINES) + "\n"
LEIDEN_REASKED = {"1": "4", "2": "5"}  # our question -> the Leiden question it asks again


@pytest.fixture(scope="module")
def leiden(service) -> dict:
    found = service.store.find_document("leiden", "2020-02-03-sociaal-scheefwonen")
    assert found is not None
    return service.get_document(found[0])


@pytest.fixture(scope="module")
def dossier(client) -> dict:
    reply = client.post("/api/dossier", json={"text": LETTER})
    assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    return reply.get_json()


def docx_bytes(lines: list[str]) -> bytes:
    from docx import Document

    word = Document()
    for line in lines:
        word.add_paragraph(line)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def pdf_bytes(lines: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 6, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def comparable(dossier: dict) -> dict:
    """What must not depend on the file format: the questions, verdicts, precedents, letters."""
    return {"title": dossier["letter"]["title"], "submitted": dossier["letter"]["submitted"],
            "questions": [(q["number"], " ".join(q["text"].split()), q["asked_before"] and q["asked_before"]["question_id"],
                           [p["question"]["id"] for p in q["precedents"]]) for q in dossier["questions"]],
            "similar": [s["document"]["id"] for s in dossier["similar_letters"]]}


def test_asked_before_on_exactly_the_reasked_questions(dossier, leiden):
    leiden_ids = {q["number"]: q["id"] for q in leiden["questions"]}
    answers = {q["id"]: q["answer"] for q in leiden["questions"]}
    assert [q["number"] for q in dossier["questions"]] == ["1", "2", "3"]
    flagged = {q["number"]: q["asked_before"] for q in dossier["questions"] if q["asked_before"]}
    assert set(flagged) == set(LEIDEN_REASKED), flagged
    for number, leiden_number in LEIDEN_REASKED.items():
        verdict = flagged[number]
        assert verdict["question_id"] == leiden_ids[leiden_number]
        assert verdict["document_id"] == leiden["id"] and 0.5 < verdict["confidence"] <= 1
        question = next(q for q in dossier["questions"] if q["number"] == number)
        earlier = [p for p in question["precedents"] if p["question"]["id"] == verdict["question_id"]]
        assert earlier and earlier[0]["answer"] == answers[verdict["question_id"]] and earlier[0]["answer"]
        assert {"score", "document", "question", "answer", "matched", "snippet"} <= set(earlier[0])


def test_the_new_question_gets_precedents_but_no_verdict(dossier, leiden):
    new = dossier["questions"][2]
    assert new["asked_before"] is None and new["precedents"]
    assert dossier["letter"]["title"] == TITLE and dossier["letter"]["submitted"] == "2023-03-14"
    assert dossier["similar_letters"][0]["document"]["id"] == leiden["id"]
    assert dossier["similar_letters"][0]["questions_matched"] >= 2


def test_a_stored_letter_leaves_itself_out(client, leiden):
    reply = client.post("/api/dossier", json={"document_id": leiden["id"]})
    assert reply.status_code == 200
    data = reply.get_json()
    assert data["letter"]["id"] == leiden["id"] and len(data["questions"]) == len(leiden["questions"])
    shown = {p["document"]["id"] for q in data["questions"] for p in q["precedents"]}
    shown |= {s["document"]["id"] for s in data["similar_letters"]}
    assert leiden["id"] not in shown and shown
    # only letters submitted up to the letter's own date are precedents
    assert all(p["document"]["submitted"] is None or p["document"]["submitted"] <= "2020-02-03"
               for q in data["questions"] for p in q["precedents"])


def test_a_pasted_copy_of_a_stored_letter_leaves_the_stored_one_out(service, leiden):
    stored = service.stored_document(leiden["id"]).document
    copy = parse_text("\n\n".join(f"{q.number}. {q.text}" for q in stored.questions), "upload", "copy")
    dossier = service.dossier(copy)
    assert all(p["document"]["id"] != leiden["id"] for q in dossier["questions"] for p in q["precedents"])


def test_docx_and_pdf_of_the_letter_give_the_same_dossier(client, dossier):
    replies = {}
    for name, data in (("brief.docx", docx_bytes(LETTER_LINES)), ("brief.pdf", pdf_bytes(LETTER_LINES))):
        reply = client.post("/api/dossier", data={"file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data")
        assert reply.status_code == 200, (name, reply.get_data(as_text=True)[:300])
        replies[name] = reply.get_json()
    assert comparable(replies["brief.docx"]) == comparable(replies["brief.pdf"]) == comparable(dossier)


def test_the_docx_export_holds_every_question_with_its_precedents(dossier, tmp_path, service, cli):
    from docx import Document

    result = cli("dossier", write_letter(tmp_path), "--format", "docx", "-o", tmp_path / "dossier.docx",
                 settings=service.settings)
    assert result.exit_code == 0, result.output
    word = Document(str(tmp_path / "dossier.docx"))
    text = "\n".join([p.text for p in word.paragraphs] +
                     [cell.text for table in word.tables for row in table.rows for cell in row.cells])
    assert "Eerder gesteld" in text
    for question in dossier["questions"]:
        assert f"Vraag {question['number']}" in text and question["text"] in text
        for precedent in question["precedents"]:
            for shown in (precedent, *precedent["more"]):  # a letter's other matching questions too
                assert shown["question"]["text"] in text
                assert (shown["answer"] or "(nog geen antwoord)") in text


def write_letter(folder):
    path = folder / "brief.txt"
    path.write_text(LETTER, encoding="utf-8")
    return path


def test_cli_json_and_markdown(service, tmp_path, dossier, cli):
    def dossier_cli(*args):
        return cli("dossier", *args, settings=service.settings)

    result = dossier_cli(write_letter(tmp_path))
    assert result.exit_code == 0, result.output
    assert comparable(json.loads(result.output)) == comparable(dossier)
    result = dossier_cli(write_letter(tmp_path), "--format", "md", "-o", tmp_path / "d.md")
    markdown = (tmp_path / "d.md").read_text(encoding="utf-8")
    assert result.exit_code == 0 and markdown.startswith(f"# Dossier: {TITLE}") and "## Eerder gesteld" in markdown
    others = [m for q in dossier["questions"] for p in q["precedents"] for m in p["more"]]
    assert others and markdown.count("**Ook passend, vraag") == len(others)
    leiden_id = service.store.find_document("leiden", "2020-02-03-sociaal-scheefwonen")[0]
    result = dossier_cli("--document", leiden_id, "--format", "md")
    assert result.exit_code == 0 and result.output.startswith("# Dossier: Sociaal scheefwonen"), result.output
    for args, message in (([], "give a letter FILE or --document N"), (["--document", "999999"], "no document with id"),
                          ([str(write_letter(tmp_path)), "--format", "docx"], "--format docx needs -o")):
        result = dossier_cli(*args)
        assert result.exit_code == 1 and message in result.output, result.output


@pytest.mark.parametrize("kwargs, status, phrase", [
    ({"json": {"text": "Geen vragen hier, alleen een mededeling."}}, 422, "no numbered questions"),
    ({"json": {"text": ""}}, 400, "non-empty string"),
    ({"json": {"document_id": "abc"}}, 400, "document_id"),
    ({"json": {"document_id": 99999999}}, 404, "no document"),
    ({"json": [1, 2]}, 400, "JSON object"),
    ({"data": {"file": (io.BytesIO(b"x"), "brief.exe")}, "content_type": "multipart/form-data"}, 415, "unsupported"),
])
def test_bad_letters_are_clear_4xx_json(client, kwargs, status, phrase):
    reply = client.post("/api/dossier", **kwargs)
    assert reply.status_code == status and phrase in reply.get_json()["error"], reply.get_data(as_text=True)


def test_the_upload_limit_applies(service):
    settings = service.settings.replace(api_token="", max_upload_mb=1)
    small = create_app(Service(settings, encoder=service.encoder)).test_client()
    reply = small.post("/api/dossier", json={"text": "1. Vraag? " + "x" * (2 * 1024 * 1024)})
    assert reply.status_code == 413 and "error" in reply.get_json()


def test_one_letter_refuses_none_or_several():
    with pytest.raises(ParseError, match="no letter"):
        one_letter([], "x")
    two = parse_text("1. Een vraag?", "upload", "a")
    with pytest.raises(ParseError, match="2 documents"):
        one_letter([two, two], "x")


def test_page_paste_warns_and_downloads_markdown(client, leiden):
    reply = client.post("/nieuwe-brief", data={"text": LETTER}, content_type="multipart/form-data")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Eerder gesteld (2)" in page and page.count('class="warning"') == 2
    assert page.count('class="dossier-question"') == 3 and leiden["questions"][4]["answer"][:60] in page
    reply = client.get(f"/documents/{leiden['id']}")
    assert f"/nieuwe-brief?document={leiden['id']}" in reply.get_data(as_text=True)
    reply = client.get(f"/nieuwe-brief?document={leiden['id']}")
    assert reply.status_code == 200 and 'name="document"' in reply.get_data(as_text=True)
    assert page.count('class="badge earlier-question"') == 2
    upload = {"text": "", "file": (io.BytesIO(docx_bytes(LETTER_LINES)), "brief.docx")}
    reply = client.post("/nieuwe-brief", data=upload, content_type="multipart/form-data")
    assert reply.status_code == 200 and "Eerder gesteld (2)" in reply.get_data(as_text=True)
    reply = client.post("/nieuwe-brief", data={"text": "  "}, content_type="multipart/form-data")
    assert reply.status_code == 422 and "Plak de tekst" in reply.get_data(as_text=True)
    for name, data, phrase in (("brief.exe", b"MZ", "Dit soort bestand"), ("brief.txt", b"Geen vragen.", "niet worden gelezen")):
        upload = {"text": "", "file": (io.BytesIO(data), name)}
        reply = client.post("/nieuwe-brief", data=upload, content_type="multipart/form-data")
        assert reply.status_code == 422 and phrase in reply.get_data(as_text=True)
    reply = client.post("/nieuwe-brief/download", data={"format": "md", "letter": "{not json"})
    assert reply.status_code == 400


def test_wilson_interval_and_the_threshold_rule():
    import numpy as np

    from nlp_service.evaluation.asked_before import fit_logistic, lowest_threshold
    from nlp_service.evaluation.metrics import wilson_interval

    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.7225, abs=1e-4) and high == 1.0
    # the lowest threshold whose precision holds for it and every higher one
    assert lowest_threshold(np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 1, 0, 1]), 0.95) == 0.8
    x = np.array([[0.97, 0.9], [0.96, 0.7], [0.95, 0.2], [0.9, 0.1], [0.88, 0.0], [0.93, 0.8]])
    y = np.array([1, 1, 0, 0, 0, 1])
    w = fit_logistic(x, y)
    z = w[0] + x @ w[1:]
    assert z[y == 1].min() > z[y == 0].max()  # every pair on the right side of the fitted boundary


def test_a_precedent_letter_shows_its_other_matching_questions_on_the_page(client, dossier):
    """One card per precedent letter: its other questions that matched sit under it (``more``)."""
    others = [m for q in dossier["questions"] for p in q["precedents"] for m in p["more"]]
    assert others, "the Leiden letter answers several of the new questions at once"
    reply = client.post("/nieuwe-brief", data={"text": LETTER}, content_type="multipart/form-data")
    page = reply.get_data(as_text=True)
    assert page.count("(ook passend)") == len(others)
    assert all(f'class="qa more" data-question-id="{m["question"]["id"]}"' in page for m in others)
