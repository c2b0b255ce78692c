"""The server-rendered pages: content, escaping, Dutch error pages. View logic through Flask's
test client; what depends on the HTTP stack (static files, methods) through the real server."""
from __future__ import annotations

import html

import pytest
from live_server import call

from nlp_service.service import Service
from nlp_service.web import create_app

pytestmark = pytest.mark.model
LEIDEN_QUERY = "scheefwonen sociale huurwoningen"


def page(target, path: str, status: int = 200, **params) -> str:
    reply = call(target, path, params=params or None)
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.content_type == "text/html"
    return reply.text


def leiden_hit(service) -> dict:
    return service.search(service.make_request(LEIDEN_QUERY, k=1)).results[0]


def test_home_page_has_the_form_filters_and_coverage(client, service):
    text = page(client, "/")
    assert '<html lang="nl">' in text and "<textarea" in text
    for party, _ in service.store.facet("party")[:5]:
        assert f'<option value="{html.escape(party)}"' in text
    for collection in service.store.collections():
        assert f"<td>{collection['source']}</td>" in text
    assert "Wat staat erin?" in text and "2020" in text


def test_results_show_question_answer_marks_and_links(client, service):
    hit = leiden_hit(service)
    text = page(client, "/", q=LEIDEN_QUERY)
    assert text.index(f"/documents/{hit.document['id']}") < text.index('class="answer"')
    assert "<mark>" in text and "Vergelijkbare vragen" in text
    assert f'href="/questions/{hit.question["id"]}"' in text
    assert "Partij Sleutelstad" in text and "3 februari 2020" in text


def test_user_text_is_escaped(client):
    text = page(client, "/", q='<script>alert("x")</script> woning', party='"><img src=x>')
    assert "<script>alert" not in text and "<img src=x>" not in text
    assert "&lt;script&gt;" in text
    # author is printed back into the form (value="..."), so its escaping can really fail
    text = page(client, "/", q="woning", author='"><img src=x>')
    assert "<img src=x>" not in text
    assert 'value="&#34;&gt;&lt;img src=x&gt;"' in text


def test_document_page_lists_every_question_and_answer(client, service):
    doc = service.get_document(leiden_hit(service).document["id"])
    text = page(client, f"/documents/{doc['id']}")
    for question in doc["questions"]:
        assert f'id="vraag-{question["id"]}"' in text
    assert text.count('class="answer"') == len(doc["questions"]) == 6
    assert "Maarten Kersten" in text


def test_question_page_shows_similar_questions(client, service):
    hit = leiden_hit(service)
    text = page(client, f"/questions/{hit.question['id']}")
    assert "Vergelijkbare vragen" in text
    assert text.count('class="result"') == 5


@pytest.mark.parametrize("path,params,status,phrase", [
    ("/documents/999999999", {}, 404, "Niet gevonden"),
    ("/questions/999999999", {}, 404, "Niet gevonden"),
    ("/documents/abc", {}, 404, "Niet gevonden"),
    ("/bestaat-niet", {}, 404, "Niet gevonden"),
    ("/", {"q": "woning", "since": "gisteren"}, 400, "'Ingediend vanaf' is geen datum."),
    ("/", {"q": "woning", "since": "2022-01-01", "until": "2020-01-01"}, 400,
     "'Ingediend vanaf' ligt na 'Ingediend tot en met'."),
    ("/", {"q": "woning", "k": "0"}, 400, "Het aantal resultaten moet tussen 1 en 100 liggen."),
    ("/", {"q": "   ", "party": "MR"}, 400, "Vul een zoekvraag in"),
])
def test_page_errors_are_friendly_dutch_with_the_right_status(client, path, params, status, phrase):
    text = page(client, path, status, **params)
    assert html.unescape(phrase) in html.unescape(text) and "Traceback" not in text
    assert " must " not in text, "the page speaks Dutch; the English detail is the API's"


def test_a_hit_on_the_letters_introduction_is_labelled_as_such(client):
    """The intro unit (title + introduction) counts as the question in the JSON's `matched`;
    the page must not claim the question's text matched."""
    query = "Vogelaarwijken Aedes Algemeen Dagblad"  # words of the Leiden letter's introduction only
    text = page(client, "/", q=query, mode="lexical", k=1)
    assert "Treffer in de inleiding van de brief:" in text and "<mark>" in text
    api = call(client, "/api/search", params={"q": query, "mode": "lexical", "k": 1})
    assert api.json()["results"][0]["matched"] == "question"


def test_no_results_name_the_filters_and_offer_a_search_without_them(client):
    text = html.unescape(page(client, "/", q="scheefwonen", party="Partij Sleutelstad", since="2030-01-01"))
    assert "Geen resultaten" in text
    assert "ingediend vanaf: 2030-01-01" in text and "partij: Partij Sleutelstad" in text
    assert 'href="/?q=scheefwonen">Zoek zonder filters' in text


def test_a_result_leads_to_its_document_with_the_words_marked_and_a_way_back(client, service):
    hit = leiden_hit(service)
    text = page(client, "/", q="scheefwonen")
    assert f'href="/documents/{hit.document["id"]}?q=scheefwonen#vraag-{hit.question["id"]}"' in text
    document_page = page(client, f"/documents/{hit.document['id']}", q="scheefwonen")
    assert "<mark>" in document_page and 'href="/?q=scheefwonen">← Terug naar de zoekresultaten' in document_page
    assert "Terug naar de zoekresultaten" not in page(client, f"/documents/{hit.document['id']}")


def test_wrong_method_on_a_page_is_405(base_url):
    reply = call(base_url, "/", "POST")
    assert reply.status == 405 and "Niet toegestaan" in reply.text


def test_static_files_are_served_locally(base_url):
    reply = call(base_url, "/static/style.css")
    assert reply.status == 200 and reply.content_type == "text/css"
    text = page(base_url, "/")
    assert 'src="http' not in text and 'href="http' not in text  # no CDN


def test_search_page_without_an_index_is_503_in_dutch(tmp_path, service):
    settings = service.settings.replace(home=tmp_path / "empty-home")
    client = create_app(Service(settings, encoder=service.encoder)).test_client()
    assert "Nog niets geïndexeerd" in page(client, "/")
    assert "Zoeken is nu niet mogelijk" in page(client, "/", 503, q="woning")
