"""The server-rendered pages: search, a document, a question with its precedents."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from ..query_input import MAX_FILTER_CHARS, searchable_text
from ..search import QueryError
from .context import service, settings
from .formatting import collection_name, dutch_date
from .resultlist import more_results_url, result_list, search_url, split_related
from .searching import make_search_request, search_params

blueprint = Blueprint("pages", __name__)
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
#: the form fields an error is about (aria-describedby ties the message to them)
ERROR_FIELDS = {"q": ("q",), "q_empty": ("q",), "q_no_words": ("q",), "party": ("party",),
                "author": ("author",), "source": ("source",), "since": ("since",), "until": ("until",),
                "dates": ("since", "until"), "sort": ("sort",)}


@blueprint.get("/")
def index() -> tuple[str, int]:
    asked = search_params()
    params = with_default_collection(asked)
    results, error_field = None, None
    if asked:  # a search was asked for (words, or filters without words: then say what is missing)
        try:
            results = result_list(service().search(make_search_request(params)))
        except QueryError as exc:
            error_field = error_key(exc, params)
    error = None if error_field is None else dutch_message(error_field)
    html = render_template("index.html", params=params, results=results, error=error,
                           error_fields=ERROR_FIELDS.get(error_field, ()), active_filters=active_filters(params),
                           more_url=None if results is None else more_results_url(params, results, settings().max_k),
                           all_collections_url=all_collections_url(params), unfiltered_url=unfiltered_url(params),
                           **service().filter_options(), **service().coverage())
    return html, 400 if error else 200


def dutch_error(exc: QueryError, params: dict[str, str]) -> str:
    """What the page says about a refused search, in Dutch."""
    return dutch_message(error_key(exc, params))


def dutch_message(key: str) -> str:
    return DUTCH_ERRORS.get(key, "Controleer de zoektekst en de filters.").format(
        max_chars=settings().max_query_chars, max_k=settings().max_k, max_filter=MAX_FILTER_CHARS)


def error_key(exc: QueryError, params: dict[str, str]) -> str:
    """Which Dutch message fits: the core's ``q`` is an empty, a wordless or a too long query."""
    if exc.field != "q" or searchable_text(params.get("q", "")):
        return exc.field
    return "q_no_words" if params.get("q", "").strip() else "q_empty"


FILTER_LABELS = (("since", "ingediend vanaf"), ("until", "ingediend tot en met"), ("party", "partij"),
                 ("author", "indiener"), ("source", "collectie"))


def with_default_collection(params: dict[str, str]) -> dict[str, str]:
    """A page opened without a collection searches the configured default one (empty = all)."""
    default = settings().default_collection
    return {**params, "source": default} if default and "source" not in params else params


def all_collections_url(params: dict[str, str]) -> str | None:
    """The same search in every collection, when the default collection narrowed it."""
    default = settings().default_collection
    if not default or params.get("source") != default or not params.get("q"):
        return None
    return search_url({**params, "source": ""})


def unfiltered_url(params: dict[str, str]) -> str:
    """The same words without any filter (in every collection, also when a default one is set)."""
    return url_for("pages.index", q=params.get("q"), **({"source": ""} if settings().default_collection else {}))


def active_filters(params: dict[str, str]) -> list[tuple[str, str]]:
    """(label, value as shown) of each filter in use: a search without results names them."""
    shown = {"since": dutch_date, "until": dutch_date, "source": collection_name}
    return [(label, shown.get(name, str)(params[name].strip()))
            for name, label in FILTER_LABELS if params.get(name, "").strip()]


def back_position() -> str | None:
    """The place (letter number) in the result list the visitor came from."""
    pos = request.args.get("pos", "")
    return pos if pos.isdigit() and len(pos) < 4 else None


def back_params() -> dict[str, str]:
    """The search a visitor came from (a result link carries it): for the way back."""
    return {name: value for name, value in search_params().items() if value}


@blueprint.get("/documents/<id:doc_id>")
def document(doc_id: int) -> str:
    data = service().get_document(doc_id)
    if data is None:
        abort(404)
    # the search, when the visitor came from a result: its words marked in the text, and a way back
    back = back_params()
    query = (back.get("q") or "").strip()[: settings().max_query_chars] or None
    return render_template("document.html", doc=data, query=query, back=back,
                           back_anchor=back_position())


@blueprint.get("/questions/<id:question_id>")
def question(question_id: int) -> str:
    data = service().get_question(question_id)
    if data is None:
        abort(404)
    direct, related = split_related(data["similar"])
    return render_template("question.html", question=data, direct=direct, related=related, back=back_params(),
                           back_anchor=back_position())
