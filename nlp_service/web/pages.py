"""The server-rendered pages: search, a document, a question with its precedents."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for

from ..search import QueryError
from .context import engine, settings
from .searching import make_search_request, search_params

blueprint = Blueprint("pages", __name__)
PAGE_STEP = 10  # results added by "Meer resultaten"


@blueprint.get("/")
def index() -> tuple[str, int]:
    params = search_params()
    results, error = None, None
    if params.get("q", "").strip():
        try:
            results = engine().search(make_search_request(params)).to_dict(with_snippet=True)["results"]
        except QueryError as exc:
            error = str(exc)
    html = render_template("index.html", params=params, results=results, error=error,
                           more_url=more_results_url(params, results), **filter_options(), **coverage())
    return html, 400 if error else 200


def filter_options() -> dict:
    store = engine().store
    return {"parties": store.facet("party"), "authors": store.facet("author"), "collections": store.collections()}


def coverage() -> dict:
    store = engine().store
    return {"counts": store.counts(), "last_indexed": store.get_meta("last_indexed")}


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
    data = engine().get_document(doc_id)
    if data is None:
        abort(404)
    return render_template("document.html", doc=data)


@blueprint.get("/questions/<id:question_id>")
def question(question_id: int) -> str:
    data = engine().get_question(question_id)
    if data is None:
        abort(404)
    return render_template("question.html", question=data)
