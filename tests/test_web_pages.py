"""The server-rendered pages: content, escaping, Dutch error pages. View logic through Flask's
test client; what depends on the HTTP stack (static files, methods) through the real server."""
from __future__ import annotations

import html
import re

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
    labels = service.settings.collection_labels
    for collection in service.store.collections():
        assert f"<td>{html.escape(labels.get(collection['source'], collection['source']))}</td>" in text
    assert "Wat staat erin?" in text and "2020" in text


def test_results_show_question_answer_marks_and_links(client, service):
    hit = leiden_hit(service)
    text = page(client, "/", q=LEIDEN_QUERY)
    assert text.index(f"/documents/{hit.document['id']}") < text.index('class="answer"')
    assert "<mark>" in text and "Vergelijkbare vragen" in text
    assert f'href="/questions/{hit.question["id"]}?pos=1&amp;q=' in text
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


def test_question_page_shows_similar_questions_by_the_same_floor(client, service):
    hit = leiden_hit(service)
    similar = service.get_question(hit.question["id"])["similar"]
    assert len(similar) == 5 and {r["match"] for r in similar} <= {"direct", "related"}
    text = page(client, f"/questions/{hit.question['id']}")
    direct = [r for r in similar if r["match"] == "direct"]
    if direct:
        assert "Vergelijkbare vragen uit andere brieven" in text
        under = sum(m["match"] == "direct" for r in direct for m in r["more"])  # a letter's other questions
        assert text.count('class="hit"') == len(direct) + under and "Verwante vraag" not in text
    else:
        assert "geen directe treffers" in text and "Directe treffer" not in text
        assert text.count('class="hit"') == 3


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
    assert "in de inleiding van de brief:" in text and "<mark>" in text
    api = call(client, "/api/search", params={"q": query, "mode": "lexical", "k": 1})
    assert api.json()["results"][0]["matched"] == "question"


def test_a_hit_on_the_letter_as_a_whole_is_labelled_as_such(client, service):
    """A whole-letter hit shows the letter's best-matching question, and says where the words matched."""
    from nlp_service.units import letter_text

    stored = service.store.get_document(service.store.find_document("leiden", "2020-02-03-sociaal-scheefwonen")[0])
    query = letter_text(stored.document)[:2000]
    text = page(client, "/", q=query, mode="dense", k=1)  # the embeddings' letters weigh 1.5 times their pieces
    assert "op de brief als geheel; deze vraag past er het best bij" in text and "<mark>" in text
    api = call(client, "/api/search", params={"q": query, "mode": "dense", "k": 1})
    [top] = api.json()["results"]
    assert top["matched"] == "question" and top["document"]["id"] == stored.id


def test_no_results_name_the_filters_and_offer_a_search_without_them(client):
    text = html.unescape(page(client, "/", q="scheefwonen", party="Partij Sleutelstad", since="2030-01-01"))
    assert "Geen directe treffers" in text
    assert "ingediend vanaf: 1 januari 2030" in text and "partij: Partij Sleutelstad" in text
    assert 'href="/?q=scheefwonen">Zoek zonder filters' in text


def test_a_result_leads_to_its_document_with_the_words_marked_and_a_way_back(client, service):
    hit = leiden_hit(service)
    text = page(client, "/", q="scheefwonen", party="Partij Sleutelstad")
    assert f'href="/documents/{hit.document["id"]}?pos=1&amp;q=scheefwonen&amp;party=Partij+Sleutelstad"' in text
    document_page = page(client, f"/documents/{hit.document['id']}", q="scheefwonen", party="Partij Sleutelstad", pos=1)
    assert "<mark>" in document_page
    assert ('href="/?q=scheefwonen&amp;party=Partij+Sleutelstad#brief-1">← Terug naar de zoekresultaten'
            in document_page)
    assert "Terug naar de zoekresultaten" not in page(client, f"/documents/{hit.document['id']}")
    question_page = page(client, f"/questions/{hit.question['id']}", q="scheefwonen", party="Partij Sleutelstad", pos=1)
    assert 'href="/?q=scheefwonen&amp;party=Partij+Sleutelstad#brief-1">← Terug naar de zoekresultaten' in question_page
    assert 'class="site-search"' in question_page, "a new search from a question page"


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


# --- honest relevance, letters grouped, words -------------------------------------


NONSENSE = "xyzzyqwv"


def test_the_api_marks_each_result_direct_or_related(client):
    leiden = call(client, "/api/search", params={"q": LEIDEN_QUERY, "k": 10}).json()
    assert leiden["results"][0]["match"] == "direct" and leiden["direct_documents"] >= 1
    assert {r["match"] for r in leiden["results"]} <= {"direct", "related"}
    nonsense = call(client, "/api/search", params={"q": NONSENSE}).json()
    assert nonsense["results"] and {r["match"] for r in nonsense["results"]} == {"related"}
    assert nonsense["direct_documents"] == 0


def test_a_nonsense_query_says_no_direct_match_and_labels_a_few_related(client):
    text = page(client, "/", q=NONSENSE)
    assert "Geen directe treffers" in text and "Verwante vragen" in text
    assert "Directe treffer" not in text and "Treffer in" not in text
    assert 1 <= text.count('class="hit"') <= 3
    assert text.count('<article class="result letter related"') == text.count('<article class="result')


def test_sorting_by_date_keeps_the_relevant_letter(client, service):
    by_date = call(client, "/api/search", params={"q": "scheefwonen", "sort": "date"}).json()["results"]
    direct = [r for r in by_date if r["match"] == "direct"]
    assert direct and direct[0]["document"]["title"] == "Sociaal scheefwonen"
    assert by_date[: len(direct)] == direct  # the matches first, then what is only related
    dates = [r["document"]["submitted"] for r in direct]
    assert dates == sorted(dates, reverse=True)
    text = page(client, "/", q="scheefwonen", sort="date")
    assert "Sociaal scheefwonen" in text and "nieuwste eerst" in text


def test_one_card_per_letter_with_counts_in_good_dutch(client, service):
    text = page(client, "/", q="scheefwonen")
    assert text.count('<article class="result letter direct"') == 1 and "<h2 id=\"results-heading\" class=\"count\">1 brief<" in text
    assert "3 passende vragen" in text and text.count('class="hit"') == 3
    response = service.search(service.make_request("sociale huurwoningen", k=1))
    assert response.direct_documents > 1, "a query with several matching letters"
    text = page(client, "/", q="sociale huurwoningen", k=1)
    assert f"Eerste 1 van {response.direct_documents} brieven" in text
    assert 'href="/?q=sociale+huurwoningen&amp;k=11#brief-2">Meer resultaten' in text


def test_a_snippet_never_repeats_the_question(client):
    text = page(client, "/", q="scheefwonen")  # every hit of the Leiden letter matched in its question
    assert 'class="snippet"' not in text


def test_long_answers_are_folded_in_a_result_list(client, service):
    results = service.search(service.make_request("jeugdcriminaliteit preventie", k=30)).results
    long_hits = [r for r in results for r in (r, *r.more) if r.answer and len(r.answer) > 2000 and r.match == "direct"]
    assert long_hits, "the session index holds long answers"
    text = page(client, "/", q="jeugdcriminaliteit preventie", k=30)
    assert "<summary>Toon het hele antwoord</summary>" in text


def test_errors_are_tied_to_their_fields(client):
    text = page(client, "/", 400, q="woning", since="2022-01-01", until="2020-01-01")
    assert 'id="fout"' in text and text.count('aria-invalid="true" aria-describedby="fout"') == 2
    text = page(client, "/", 400, q="   ", party="MR")
    assert 'aria-describedby="q-hint fout"' in text and "hoogstens" not in text


def test_collection_names_are_readable_and_configurable(service):
    settings = service.settings.replace(collection_names="leiden=Raadsvragen Leiden")
    client = create_app(Service(settings, encoder=service.encoder)).test_client()
    text = page(client, "/", q="scheefwonen")
    assert "Raadsvragen Leiden" in text and "Tweede Kamer 2024" in text and ">leiden<" not in text
    from nlp_service.config import ConfigError

    with pytest.raises(ConfigError, match="COLLECTION_NAMES"):
        service.settings.replace(collection_names="leiden")


def test_a_default_collection_narrows_the_page_with_the_others_one_click_away(service):
    client = create_app(Service(service.settings.replace(default_collection="leiden"),
                               encoder=service.encoder)).test_client()
    assert '<option value="leiden" selected>' in page(client, "/")
    text = page(client, "/", q="woningen")
    assert "Zoek ook in de andere collecties" in text and 'href="/?q=woningen&amp;source=">' not in text
    assert set(re.findall(r"<dt>Collectie</dt><dd>([^<]+)</dd>", text)) == {"Gemeente Leiden"}
    everywhere = page(client, "/", q="woningen", source="")
    assert "Tweede Kamer 2024" in everywhere or "Belgische Kamer 2017" in everywhere
