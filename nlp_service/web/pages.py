"""The server-rendered pages: search, a document, a question with its precedents."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from ..query_input import MAX_FILTER_CHARS, searchable_text
from ..search import QueryError
from .context import service, settings
from .searching import make_search_request, search_params

blueprint = Blueprint("pages", __name__)
PAGE_STEP = 10  # results added by "Meer resultaten"
#: what to change, per parameter at fault (QueryError.field); the API keeps the English detail
DUTCH_ERRORS = {
    "q": "De zoekvraag is te lang: hoogstens {max_chars} tekens.",
    "q_empty": "Vul een zoekvraag in.",
    "q_no_words": "De zoekvraag bevat geen woorden om op te zoeken: typ letters of cijfers.",
    "party": "De partij is te lang: hoogstens {max_filter} tekens.",
    "author": "De naam van de indiener is te lang: hoogstens {max_filter} tekens.",
    "source": "De collectie is te lang: hoogstens {max_filter} tekens.",
    "since": "'Ingediend vanaf' is geen datum.",
    "until": "'Ingediend tot en met' is geen datum.",
    "dates": "'Ingediend vanaf' ligt na 'Ingediend tot en met'.",
    "k": "Het aantal resultaten moet tussen 1 en {max_k} liggen.",
    "mode": "Onbekende zoekwijze.",
    "sort": "Sorteer op relevantie of op datum.",
}


@blueprint.get("/")
def index() -> tuple[str, int]:
    params = search_params()
    results, error = None, None
    if params:  # a search was asked for (words, or filters without words: then say what is missing)
        try:
            results = [{**r.to_dict(with_snippet=True), "matched_unit": r.matched_unit}
                       for r in service().search(make_search_request(params)).results]
        except QueryError as exc:
            error = dutch_error(exc, params)
    html = render_template("index.html", params=params, results=results, error=error,
                           active_filters=active_filters(params), more_url=more_results_url(params, results),
                           **service().filter_options(), **service().coverage())
    return html, 400 if error else 200


def dutch_error(exc: QueryError, params: dict[str, str]) -> str:
    """What the page says about a refused search, in Dutch."""
    return DUTCH_ERRORS.get(error_key(exc, params), "Controleer de zoektekst en de filters.").format(
        max_chars=settings().max_query_chars, max_k=settings().max_k, max_filter=MAX_FILTER_CHARS)


def error_key(exc: QueryError, params: dict[str, str]) -> str:
    """Which Dutch message fits: the core's ``q`` is an empty, a wordless or a too long query."""
    if exc.field != "q" or searchable_text(params.get("q", "")):
        return exc.field
    return "q_no_words" if params.get("q", "").strip() else "q_empty"


FILTER_LABELS = (("since", "ingediend vanaf"), ("until", "ingediend tot en met"), ("party", "partij"),
                 ("author", "indiener"), ("source", "collectie"))


def active_filters(params: dict[str, str]) -> list[tuple[str, str]]:
    """(label, value) of each filter in use: a search without results names them."""
    return [(label, params[name].strip()) for name, label in FILTER_LABELS if params.get(name, "").strip()]


def more_results_url(params: dict[str, str], results: list | None) -> str | None:
    """A link asking for more results, when this page was full and more may be allowed."""
    if results is None:
        return None
    k = int(params.get("k") or 10)  # validated by the search that produced ``results``
    if len(results) < k or k >= settings().max_k:
        return None
    return url_for("pages.index", **{**params, "k": min(k + PAGE_STEP, settings().max_k)})


@blueprint.get("/documents/<id:doc_id>")
def document(doc_id: int) -> str:
    data = service().get_document(doc_id)
    if data is None:
        abort(404)
    # the search words, when the visitor came from a result: marked in the text, and a way back
    query = (request.args.get("q") or "").strip()[: settings().max_query_chars] or None
    return render_template("document.html", doc=data, query=query)


@blueprint.get("/questions/<id:question_id>")
def question(question_id: int) -> str:
    data = service().get_question(question_id)
    if data is None:
        abort(404)
    return render_template("question.html", question=data)
