"""``nlp-service status`` and ``nlp-service cases``: the griffie's termijnbewaking and the
operator's corrections of case matching.

Registered on the main group by cli.py (which maps the service's errors for them too);
cli.py's helpers are imported when a command runs, not at import (cli.py imports this module).
"""
from __future__ import annotations

import json

import click



def _service(ctx: click.Context):
    """The command's one service, over an existing store."""
    from .cli import service_of

    service = service_of(ctx)
    service.require_store()
    return service


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@click.option("--overdue", is_flag=True, help="Only questions past their term.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--source", help="Only this collection.")
@click.pass_context
def status(ctx: click.Context, overdue: bool, as_json: bool, source: str | None) -> None:
    """Questions still to be answered (open, postponed, overdue), oldest due date first."""
    service = _service(ctx)
    questions = service.questions_by_status(["overdue"] if overdue else None, source=source)
    if as_json:
        click.echo(json.dumps({"questions": questions}, ensure_ascii=False, indent=2))
        return
    for q in questions:
        document = q["document"]
        click.echo(f"{q['due'] or '----------'}  {q['status']:<9} {document['title'][:50]:<50}  "
                   f"{q['number']:>4}. {_short(q['text'], 70)}  (document {document['id']}, question {q['id']})")
    click.echo(f"{len(questions)} questions")


@click.group()
def cases() -> None:
    """Letters of one case: list answer letters without a question letter, correct a match."""


@cases.command("unmatched")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def cases_unmatched(ctx: click.Context, as_json: bool) -> None:
    """Answer letters that match no question letter (kept self-contained)."""
    service = _service(ctx)
    letters = service.unmatched_answer_letters()
    if as_json:
        click.echo(json.dumps({"documents": letters}, ensure_ascii=False, indent=2))
        return
    for letter in letters:
        click.echo(f"{letter['date'] or '----------'}  {letter['id']:>6}  {letter['title']}")


@cases.command("link")
@click.argument("document", type=int)
@click.argument("other", type=int)
@click.pass_context
def cases_link(ctx: click.Context, document: int, other: int) -> None:
    """Put DOCUMENT in the case of OTHER (kept across reindexing)."""
    service = _service(ctx)
    service.link_letters(document, other)
    click.echo(f"document {document} linked to the case of document {other}")


@cases.command("unlink")
@click.argument("document", type=int)
@click.pass_context
def cases_unlink(ctx: click.Context, document: int) -> None:
    """Take DOCUMENT out of its case (kept across reindexing)."""
    service = _service(ctx)
    service.unlink_letter(document)
    click.echo(f"document {document} unlinked: it is a case of its own")
