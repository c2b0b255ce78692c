"""The command line for council members: ``nlp-service trend`` and ``nlp-service commitments``.

Registered on the ``nlp-service`` group by cli.py (which maps the service's errors for them too);
cli.py's helpers are imported when a command runs, not at import (cli.py imports this module).
"""
from __future__ import annotations

import json

import click


def _filter_options(command):
    """The search filters (as ``search`` has them) on a council command."""
    for option in reversed((
        click.option("--since", help="Submitted on or after (YYYY-MM-DD)."),
        click.option("--until", help="Submitted on or before (YYYY-MM-DD)."),
        click.option("--party", help="Only documents of this party."),
        click.option("--author", help="Only documents by this author."),
        click.option("--source", help="Only this collection."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
    )):
        command = option(command)
    return command


def _council_request(ctx: click.Context, query: str, k: int, filters: dict):
    """The command's service (over an existing store) and the validated request."""
    from .cli import service_of

    service = service_of(ctx)
    service.require_store()
    return service, service.make_request(query, k, filters["since"], filters["until"], filters["party"],
                                         filters["author"], filters["source"])


@click.command("trend")
@click.argument("query")
@click.option("--by", type=click.Choice(["year", "party"]), default="year", show_default=True)
@_filter_options
@click.pass_context
def trend_command(ctx: click.Context, query: str, by: str, as_json: bool, **filters) -> None:
    """How many questions match QUERY, per year or per party (above the relevance cut)."""
    service, request = _council_request(ctx, query, 10, filters)
    result = service.trend(request)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"{result['total']} matching questions in {result['documents']} documents (cosine >= {result['cut']})")
    series = result["by_year" if by == "year" else "by_party"]
    width = max((len(s["key"]) for s in series), default=4)
    for s in series:
        click.echo(f"{s['key']:<{width}}  {s['count']:>5}  {'#' * min(s['count'], 60)}")


@click.command("commitments")
@click.argument("query", required=False)
@click.option("-k", "k", default=50, show_default=True, help="Most commitments to list (newest first).")
@_filter_options
@click.pass_context
def commitments_command(ctx: click.Context, query: str | None, k: int, as_json: bool, **filters) -> None:
    """The college's commitments in its answers (on the subject QUERY, when given)."""
    from .cli import shorten
    from .commitment_search import FILTERS_ONLY_QUERY

    with_query = bool(query and query.strip())
    service, request = _council_request(ctx, query if with_query else FILTERS_ONLY_QUERY, k, filters)
    result = service.commitments(request, with_query, request.k)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if not result["commitments"]:
        click.echo("no commitments found")
    for c in result["commitments"]:
        doc, due = c["document"], c["due"]
        when = f"due {due['text']}" + (f" ({due['date']})" if due["date"] else "") if due else "no due date"
        click.secho(f"{c['date'] or '?'}  {doc['title'] or doc['external_id']} — vraag {c['question']['number']}  "
                    f"[{when}]", bold=True)
        click.echo(f"   {shorten(c['sentence'], 300)}")
