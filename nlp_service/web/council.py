"""For council members: a query's trend (API and chart on the results page), saved searches as
Atom feeds, and the college's commitments (API and the page "Toezeggingen")."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, url_for

from .. import feeds
from ..commitment_search import FILTERS_ONLY_QUERY
from ..search import QueryError
from .context import service
from .pages import dutch_error
from .searching import make_search_request, search_params

blueprint = Blueprint("council", __name__)
FEED_PARAMS = ("q", "since", "until", "party", "author", "source")  # what defines a saved search
DEFAULT_COMMITMENTS = 50


@blueprint.route("/api/trend", methods=["GET", "POST"])
def trend_api() -> Response:
    return jsonify(service().trend(make_search_request(search_params())))


@blueprint.get("/feeds/search.atom")
def search_feed() -> Response:
    params = {k: v for k, v in search_params().items() if k in FEED_PARAMS and v.strip()}
    search_request = make_search_request(params)
    entries = service().newest_matches(search_request)
    canonical = urlencode(sorted(params.items()))
    body = feeds.atom_feed(
        entries, title=f"Raadsvragen over '{search_request.query}'", feed_id=feeds.feed_tag(canonical),
        self_url=url_for("council.search_feed", _external=True) + "?" + canonical,
        alternate_url=url_for("pages.index", _external=True) + "?" + canonical,
        question_url=lambda qid: url_for("pages.question", question_id=qid, _external=True))
    return Response(body, mimetype=feeds.MIME_TYPE)


def commitments_for(params: dict[str, str]) -> dict:
    """Commitments for the parameters; the query is optional, the filters are validated as a search's."""
    with_query = bool((params.get("q") or "").strip())
    limit = params.get("k") or DEFAULT_COMMITMENTS
    search_request = make_search_request({**params, "q": params.get("q") if with_query else FILTERS_ONLY_QUERY,
                                          "k": limit})
    return service().commitments(search_request, with_query, search_request.k)


@blueprint.route("/api/commitments", methods=["GET", "POST"])
def commitments_api() -> Response:
    return jsonify(commitments_for(search_params()))


@blueprint.get("/toezeggingen")
def commitments_page() -> tuple[str, int]:
    params = search_params()
    data, error = None, None
    try:
        data = commitments_for(params)
    except QueryError as exc:
        error = dutch_error(exc, params)
    html = render_template("commitments.html", params=params, data=data, error=error, **service().filter_options())
    return html, 400 if error else 200


@blueprint.app_context_processor
def council_helpers() -> dict:
    """For the results page (index.html): its trend and the address of its feed."""
    return {"council_trend": page_trend, "feed_url": feed_url}


def page_trend(params: dict[str, str]) -> dict | None:
    try:
        return service().trend(make_search_request(params))
    except QueryError:  # the page itself says what is wrong with the search
        return None


def feed_url(params: dict[str, str]) -> str:
    return url_for("council.search_feed", **{k: v for k, v in params.items() if k in FEED_PARAMS and v.strip()})
