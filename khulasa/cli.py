"""The ``khulasa`` command line: a thin layer over the Python API.

Exit codes: 0 everything read; 1 partial (some input could not be used, or was flagged); 2 usage error;
3 nothing usable (no article could be read from any input).
Results go to stdout; messages about inputs go to stderr.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer

from khulasa import __version__

if TYPE_CHECKING:  # the stages (and rich) load when a command needs them, not for --help
    from rich.console import Console

    from khulasa.config import Config
    from khulasa.engine import Engine
    from khulasa.model import Batch, FileIssue

def _plain_placeholders() -> None:
    """Help shows an argument as its placeholder (PATH, FILE), not beside typer's label of its Python type
    (``<str>``, read as Python, not as a command line); options show their own placeholders already."""
    from typer._click.types import ParamType
    from typer.core import TyperArgument

    label = ParamType.get_metavar

    def get_metavar(self: ParamType, param: Any, ctx: Any) -> str | None:
        if isinstance(param, TyperArgument) and param.metavar is not None:
            return ""
        return label(self, param, ctx)

    ParamType.get_metavar = get_metavar  # type: ignore[method-assign]


_plain_placeholders()
app = typer.Typer(
    name="khulasa",
    help="خلاصة — an offline Arabic news digest: clean articles, stories, cited summaries, figures.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3
T = TypeVar("T")

PathsArg = Annotated[list[str], typer.Argument(metavar="PATH", help="Files, folders (read recursively) or - for standard input.")]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option("--field", metavar="KEY=NAME", help="JSONL field to read, as KEY=NAME (keys: text, title, date, url, source, id)."),
]
MaxMbOpt = Annotated[float | None, typer.Option("--max-mb", metavar="MB", show_default=False, min=0.001,
                                                help="Refuse files larger than this many megabytes "
                                                     "(default: ingest.max_mb, 50).")]
JsonFlag = Annotated[bool, typer.Option("--json", metavar="", help="Print the versioned JSON document.")]
EngineOpt = Annotated[str | None, typer.Option("--engine", metavar="auto|local|processes|ray", show_default=False,
                                               help="Where the per-article and per-story work runs: auto (this "
                                                    "process for a small pile, a worker process per core for a "
                                                    "large one), local (this process), processes (local worker "
                                                    "processes) or ray (pip install 'khulasa\\[ray]'). Default: "
                                                    "auto; processes with --workers above 1, local with --workers 1.")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", metavar="N", min=1, show_default=False,
                                               help="Worker processes (or Ray CPUs) for the per-article and "
                                                    "per-story work (default: output.workers when above 1, "
                                                    "else the machine's cores, used for large piles).")]
AddressOpt = Annotated[str | None, typer.Option("--address", metavar="HOST:PORT", show_default=False,
                                                help="With --engine ray: join the Ray cluster at HOST:PORT "
                                                     "(default: start a local one with this machine's cores).")]


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, emoji=False, **_plain())


def _out(**kwargs: Any) -> Console:
    """The console for results on stdout: the terminal's width on a terminal; in a pipe or a file, lines are
    never cut (rich would cut them at 80 columns). With ``--bidi on`` (or ``auto`` on a terminal known to
    lack bidi) every line is written in visual order, Arabic shaped, without styles."""
    from rich.console import Console

    wide: dict[str, Any] = {} if sys.stdout.isatty() else {"width": 100_000}
    if _visual():
        from khulasa.output.terminal import VisualWriter

        return Console(emoji=False, **kwargs, **wide, file=cast("IO[str]", VisualWriter(sys.stdout)),
                       color_system=None)
    return Console(emoji=False, **kwargs, **_plain(), **wide)


# Terminals that show characters in the order they are written (no bidi): Arabic comes out mirrored there.
_NO_BIDI = ("WT_SESSION", "KITTY_WINDOW_ID", "ALACRITTY_WINDOW_ID", "WEZTERM_PANE")


def _visual() -> bool:
    """True when lines go out in visual order: ``--bidi on``, or ``auto`` (the default) on a terminal known
    to lack bidi (Windows Terminal, kitty, Alacritty, WezTerm, iTerm2, VS Code, plain xterm)."""
    mode = os.environ.get("KHULASA_BIDI", "auto")
    if mode != "auto":
        return mode == "on"
    if not sys.stdout.isatty():
        return False
    env = os.environ
    return any(k in env for k in _NO_BIDI) or env.get("TERM_PROGRAM") in ("iTerm.app", "vscode") or (
        env.get("TERM") == "xterm" and not any(k in env for k in ("VTE_VERSION", "KONSOLE_VERSION")))


def _lang() -> str:
    """The labels' language of the terminal views: ``--lang`` / KHULASA_LANG, "en" by default."""
    return "ar" if os.environ.get("KHULASA_LANG") == "ar" else "en"


def _plain() -> dict[str, Any]:
    """Console settings under NO_COLOR (or --no-color): no escape codes at all, neither colors nor bold."""
    return {"color_system": None} if os.environ.get("NO_COLOR") else {}


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"khulasa {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    ctx: typer.Context,
    config_file: Annotated[Path | None, typer.Option(
        "--config", metavar="FILE", help="A TOML file of settings (\\[summary] max_words = 150, ...; see docs/configuration.md).",
        show_default=False)] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", metavar="", count=True, show_default=False,
                                         help="Say more on stderr: -v each fallback taken, -vv debugging.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar="", help="Only errors on stderr.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", metavar="",
                                           help="No colors or styles (as the NO_COLOR variable).")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="en|ar", show_default=False,
        help="Labels of the terminal views in English (default) or Arabic (also: KHULASA_LANG).")] = None,
    bidi: Annotated[str | None, typer.Option(
        "--bidi", metavar="auto|on|off", show_default=False,
        help="Arabic on the terminal: on = written in visual order and shaped, for terminals without bidi "
             "(kitty, Windows Terminal, xterm); off = as stored, for terminals that reorder (GNOME, Konsole) "
             "and for pipes; auto (default, or the KHULASA_BIDI variable) picks by the terminal.")] = None,
    version: Annotated[bool, typer.Option("--version", metavar="", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """خلاصة — an offline Arabic news digest: clean articles, stories, cited summaries, figures.

    Exit codes: 0 every input used; 1 partial (some input refused or flagged, each named on stderr);
    2 usage error; 3 nothing usable (no article could be read).
    """
    from khulasa.config import load_config
    from khulasa.errors import ConfigError

    if no_color:
        os.environ["NO_COLOR"] = "1"  # read by every rich console made after this
    if lang is not None:
        if lang not in ("en", "ar"):
            raise typer.BadParameter(f"{lang!r}: write en or ar", param_hint="--lang")
        os.environ["KHULASA_LANG"] = lang
    if bidi is not None:
        if bidi not in ("auto", "on", "off"):
            raise typer.BadParameter(f"{bidi!r}: write auto, on or off", param_hint="--bidi")
        os.environ["KHULASA_BIDI"] = bidi
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="khulasa: %(levelname)s: %(message)s", stream=sys.stderr, force=True)
    try:
        ctx.obj = load_config(config_file)
    except ConfigError as exc:
        _err().print(f"khulasa: error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc


def _config(ctx: typer.Context) -> Config:
    """The configuration of this run (``--config``, else the defaults)."""
    from khulasa.config import Config, load_config

    return ctx.obj if isinstance(ctx.obj, Config) else load_config(None)


def _fields(specs: list[str] | None) -> dict[str, tuple[str, ...]]:
    from khulasa.ingest import DEFAULT_FIELDS

    out: dict[str, tuple[str, ...]] = {}
    for spec in specs or []:
        key, sep, name = spec.partition("=")
        if not sep or key not in DEFAULT_FIELDS or not name:
            raise typer.BadParameter(f"{spec!r}: write KEY=NAME with KEY one of {', '.join(DEFAULT_FIELDS)}",
                                     param_hint="--field")
        out[key] = (name,)
    return out


def _read(paths: list[str], field: list[str] | None, max_mb: float | None, config: Config) -> Batch:
    from khulasa.ingest import read_articles

    mb = config.ingest.max_mb if max_mb is None else max_mb
    batch = read_articles(paths, fields=_fields(field), max_bytes=int(mb * 1e6))
    _report(batch)
    return batch

NerOpt = Annotated[str | None, typer.Option("--ner", show_default=False, metavar="fast|accurate",
                                            help="Entity tagger: fast (the CRF, default) or accurate (the "
                                                 "fine-tuned e5-small encoder; pip install 'khulasa\\[accurate]'; "
                                                 "about 100x slower).")]


def _with_ner(config: Config, ner: str | None) -> Config:
    """``config`` with the ``--ner`` choice; the accurate tagger is loaded now, so a missing part is a clear
    error and exit 2 before any work."""
    if ner is None:
        return config
    from khulasa.errors import ConfigError

    try:
        config = config.with_values(facts={"ner": ner})
        if ner == "accurate":
            from khulasa.entities import accurate_tagger

            accurate_tagger()
    except ConfigError as exc:
        _err().print(f"khulasa: error: --ner: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    return config


def _workers(given: int | None, config: Config) -> int | None:
    """The workers the command line (``--workers``) or the configuration (``output.workers`` above its
    default of 1) asks for, else None (the engine's choice)."""
    return given if given is not None else config.output.workers if config.output.workers > 1 else None


@contextlib.contextmanager
def _engine(name: str | None, workers: int | None, address: str | None) -> Iterator[Engine]:
    """The engine the command's options name (a clear error and exit 2 for a bad choice); ``workers``:
    None unless the options or the configuration asked for a number."""
    from khulasa.engine import open_engine
    from khulasa.errors import ConfigError

    chosen = name or ("ray" if address else "auto" if workers is None else "processes" if workers > 1 else "local")
    try:
        engine = open_engine(chosen, workers=workers, address=address)
    except ConfigError as exc:
        _err().print(f"khulasa: error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    try:
        yield engine
    finally:
        engine.close()


def _report(batch: Batch) -> None:
    if not batch.issues:
        return
    from rich.markup import escape

    err = _err()
    for issue in batch.issues:
        label = {"error": "[red]error[/red]", "warning": "[yellow]warning[/yellow]", "note": "note"}[issue.severity]
        err.print(f"khulasa: {label}: {escape(issue.message())}", markup=True, soft_wrap=True)


def _print_json(doc: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def _exit(batch: Batch) -> None:
    _exit_with(bool(batch.articles), batch.issues)


def _exit_with(any_article: bool, issues: Sequence[FileIssue]) -> None:
    if issues and not any_article:
        raise typer.Exit(EXIT_NOTHING)
    raise typer.Exit(EXIT_PARTIAL if any(i.severity != "note" for i in issues) else EXIT_OK)


@app.command()
def articles(
    ctx: typer.Context,
    paths: PathsArg,
    as_json: JsonFlag = False,
    show: Annotated[str | None, typer.Option("--show", metavar="ID", help="Print one cleaned article, sentences marked.")] = None,
    field: FieldOpt = None,
    max_mb: MaxMbOpt = None,
) -> None:
    """Read, clean and list articles with their metadata (read as a stream: a pile of any size).

    Example: khulasa articles scrapes/ --show alrafed/floods-relief
    """
    config = _config(ctx)
    from khulasa.ingest import stream_articles
    from khulasa.model import Article, Batch
    from khulasa.output import json as documents
    from khulasa.output import terminal

    mb = config.ingest.max_mb if max_mb is None else max_mb
    items = stream_articles(paths, fields=_fields(field), max_bytes=int(mb * 1e6))
    if as_json and show is None:
        written, found = documents.write_articles_document(sys.stdout, items)
        _report(Batch((), tuple(found)))
        _exit_with(written > 0, found)
    match: Article | None = None
    rows: list[Article] = []  # what the table shows, without the texts
    issues: list[FileIssue] = []
    for item in items:
        if isinstance(item, Article):
            if show is None:
                rows.append(replace(item, text="", removed=(), captions=()))
            elif item.id == show and match is None:
                match = item
        else:
            issues.append(item)
    batch = Batch(tuple(rows), tuple(issues))
    _report(batch)
    if show is None:
        terminal.articles_table(_out(), rows)
        _exit(batch)
    if match is None:
        _err().print(f"khulasa: no article has the id {show!r}; `khulasa articles PATH` lists the ids.",
                     markup=False)
        raise typer.Exit(EXIT_USAGE)
    if as_json:
        _print_json(documents.article_to_dict(match))
    else:
        from khulasa.text import analyse

        terminal.article_sheet(_out(highlight=False, soft_wrap=True), analyse(match))
    _exit(Batch((match,), batch.issues))


@app.command()
def summarize(
    ctx: typer.Context,
    paths: PathsArg,
    max_words: Annotated[int | None, typer.Option("--max-words", metavar="N", min=1, show_default=False,
                                                  help="Word budget, never exceeded (default: summary.max_words, "
                                                       "120).")] = None,
    as_json: Annotated[bool, typer.Option("--json", metavar="", help="Print the summary with its citations as JSON.")] = False,
    field: FieldOpt = None,
    max_mb: MaxMbOpt = None,
) -> None:
    """Summarize the given articles as one story: one sentence per line on stdout.

    Example: khulasa summarize report1.txt report2.html --max-words 80
    """
    config = _config(ctx)
    from khulasa.summary import summarize as run

    batch = _read(paths, field, max_mb, config)
    summary = run(list(batch.articles), max_words=max_words, config=config.summary)
    if as_json:
        from khulasa.output import json as documents

        _print_json(documents.summary_document(summary, batch.articles, batch.issues))
    elif summary.sentences:
        sys.stdout.write(summary.text() + "\n")
    if not summary.sentences and batch.articles:
        _err().print(f"no sentence that can stand alone fits in {summary.max_words} words: raise --max-words",
                     markup=False)
    _exit(batch)


@app.command()
def stories(
    ctx: typer.Context,
    paths: PathsArg,
    as_json: JsonFlag = False,
    field: FieldOpt = None,
    max_mb: MaxMbOpt = None,
) -> None:
    """Group articles into stories and events; show each story's timeline with dates and outlets.

    Example: khulasa stories scrapes/ --json > stories.json
    """
    config = _config(ctx)
    from khulasa.output import json as documents
    from khulasa.output import terminal
    from khulasa.stories import cluster

    batch = _read(paths, field, max_mb, config)
    result = cluster(list(batch.articles), config)
    if as_json:
        _print_json(documents.stories_document(result, batch.articles, batch.issues))
        _exit(batch)
    terminal.stories_tree(_out(highlight=False, soft_wrap=True), result, batch.articles, lang=_lang())
    _exit(batch)


def _write(path: Path, text: str, what: str) -> None:
    if str(path) == "-":
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _err().print(f"khulasa: cannot write the {what} to {path}: {exc.strerror}. Fix: choose a writable path.",
                     markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    _err().print(f"khulasa: wrote the {what} to {path}", markup=False)


@app.command()
def digest(
    ctx: typer.Context,
    paths: Annotated[list[str] | None, typer.Argument(metavar="PATH", help="Files, folders (read recursively) or - for standard "
                                                           "input; none with --db.", show_default=False)] = None,
    max_words: Annotated[int | None, typer.Option("--max-words", metavar="N", min=10, show_default=False,
                                                  help="Word budget of each story's summary (default: "
                                                       "summary.max_words, 120).")] = None,
    json_file: Annotated[Path | None, typer.Option("--json", metavar="FILE|-", help="Also write the JSON document here (- : to stdout, instead of the panels).")] = None,
    markdown_file: Annotated[Path | None, typer.Option("--markdown", metavar="FILE|-", help="Also write Markdown here (- : to stdout).")] = None,
    html_file: Annotated[Path | None, typer.Option("--html", metavar="FILE|-", help="Also write a self-contained RTL page here (- : to stdout).")] = None,
    workers: WorkersOpt = None,
    db: Annotated[Path | None, typer.Option("--db", metavar="FILE", show_default=False,
                                            help="Print the digest a store holds (nothing recomputed) instead "
                                                 "of reading PATHs.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", metavar="N", min=1, show_default=False,
                                              help="With --db: only the N largest stories.")] = None,
    field: FieldOpt = None,
    max_mb: MaxMbOpt = None,
    engine: EngineOpt = None,
    address: AddressOpt = None,
    ner: NerOpt = None,
) -> None:
    """Run the whole pipeline: stories, a cited summary per story, timelines, sources.

    Example: khulasa digest scrapes/ --html digest.html
    """
    config = _with_ner(_config(ctx), ner)
    if sum(str(p) == "-" for p in (json_file, markdown_file, html_file) if p is not None) > 1:
        _err().print("khulasa: error: only one of --json, --markdown, --html can be - (standard output)")
        raise typer.Exit(EXIT_USAGE)
    if bool(paths) == (db is not None):
        _err().print("khulasa: error: give either PATHs to read or --db FILE (a store), not both or neither",
                     markup=False)
        raise typer.Exit(EXIT_USAGE)

    from khulasa.output import html, markdown, terminal
    from khulasa.output import json as documents

    if db is not None:
        from khulasa.archive import stored_digest
        from khulasa.errors import StoreError
        from khulasa.model import Batch
        from khulasa.store import Store

        try:
            with Store(db, create=False) as store:
                result = stored_digest(store, limit=limit, max_words=config.summary.max_words)
        except StoreError as exc:
            _err().print(f"khulasa: error: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from exc
        batch = Batch(result.articles, ())
    else:
        from khulasa.pipeline import digest as run

        with _engine(engine, _workers(workers, config), address) as runner, _progress() as progress:
            task = progress.add_task("reading articles", total=1)
            batch = _read(paths or [], field, max_mb, config)
            progress.update(task, completed=1)

            def on_stage(stage: str, done: int, total: int) -> None:
                progress.update(task, description=stage, completed=done, total=total)

            result = run(list(batch.articles), config=config, max_words=max_words, issues=batch.issues,
                         on_stage=on_stage, engine=runner)
    if not any(str(p) == "-" for p in (json_file, markdown_file, html_file) if p is not None):
        terminal.digest_panels(_out(highlight=False), result, lang=_lang())
    if json_file:
        _write(json_file, json.dumps(documents.digest_document(result), ensure_ascii=False, indent=2) + "\n",
               "JSON")
    if markdown_file:
        _write(markdown_file, markdown.digest_markdown(result), "Markdown")
    if html_file:
        _write(html_file, html.digest_html(result), "HTML page")
    _exit(batch)


@app.command()
def facts(
    ctx: typer.Context,
    paths: PathsArg,
    as_json: JsonFlag = False,
    field: FieldOpt = None,
    max_mb: MaxMbOpt = None,
    ner: NerOpt = None,
) -> None:
    """Per story: the people, places and organizations, and the key figures with where outlets disagree.

    Example: khulasa facts scrapes/ --ner accurate
    """
    config = _with_ner(_config(ctx), ner)
    from khulasa.output import json as documents
    from khulasa.output import terminal
    from khulasa.pipeline import digest as run

    with _progress() as progress:
        task = progress.add_task("reading articles", total=1)
        batch = _read(paths, field, max_mb, config)
        progress.update(task, completed=1)

        def on_stage(stage: str, done: int, total: int) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        result = run(list(batch.articles), config=config, issues=batch.issues, summaries=False, on_stage=on_stage)
    if as_json:
        _print_json(documents.facts_document(result))
        _exit(batch)
    terminal.facts_tables(_out(highlight=False), result, lang=_lang())
    _exit(batch)


DbOpt = Annotated[Path, typer.Option("--db", metavar="FILE", help="The SQLite store file (created when missing).")]
WaitOpt = Annotated[float, typer.Option("--wait", metavar="SECONDS", min=0, help="Seconds to wait, in all, while another process "
                                                             "writes to the store, before giving up.")]


def _progress() -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=_err(), transient=True)


def _retrying(db: Path, deadline: float, fn: Callable[[], T]) -> T:
    """``fn()``, again after a pause while another process holds the store, until ``deadline``."""
    import time

    from khulasa.errors import StoreBusy

    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except StoreBusy:
            if time.monotonic() >= deadline:
                raise
            _err().print(f"khulasa: the store {db} is busy (another process is writing); waiting "
                         f"(attempt {attempt})", markup=False)
            time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))


def _ingest(paths: list[str], db: Path, config: Config, field: list[str] | None, max_mb: float | None,
            wait: float, runner: Engine | None = None) -> tuple[int, list[str], int, int, list[Any], list[str]]:
    """Read ``paths`` in batches and add each to the store at ``db`` (one archive for the whole run, so
    memory holds one batch), then update the stories once. Waits (bounded by ``wait`` seconds in all)
    while another process writes; derives a store made with other settings again first.

    Returns (articles read, ids added, already stored, repeated within the input, issues, ids of the
    stories rewritten).
    """
    import functools
    import time

    from khulasa.archive import Archive
    from khulasa.ingest import iter_with_history, lines_of
    from khulasa.store import Store

    deadline = time.monotonic() + wait
    mb = config.ingest.max_mb if max_mb is None else max_mb
    read = skipped = repeated = 0
    added: list[str] = []
    issues: list[Any] = []
    with _progress() as progress, Store(db, busy_timeout=max(0.1, min(10.0, wait))) as store:
        task = progress.add_task("reading", total=None)

        def on_progress(stage: str, done: int, total: int) -> None:
            progress.update(task, description={"articles": "analysing and storing"}.get(stage, stage),
                            completed=done, total=total)

        archive = Archive(store, config, engine=runner)
        if archive.stale:
            progress.console.print(f"khulasa: note: {db} was derived by another khulasa version or other settings; "
                                   f"deriving its {store.count()} articles again", markup=False)
            _retrying(db, deadline, lambda: archive.rebuild(on_progress=on_progress))
        for batch, per_doc in iter_with_history(paths, store.recurring, fields=_fields(field),
                                                max_bytes=int(mb * 1e6)):
            _report(batch)
            issues.extend(batch.issues)
            read += len(batch.articles)
            result = _retrying(db, deadline, functools.partial(archive.add, batch.articles, stories=False))
            added += result.added
            skipped += len(result.skipped)
            repeated += len(result.repeated)
            progress.update(task, description="analysing and storing", completed=read, total=None)
            counts = lines_of(per_doc, result.added)
            if counts:
                _retrying(db, deadline, functools.partial(store.add_recurring, counts))
        changed = _retrying(db, deadline, lambda: archive.finish(on_progress=on_progress))
    return read, added, skipped, repeated, issues, changed


@app.command()
def ingest(
    ctx: typer.Context,
    paths: PathsArg,
    db: DbOpt = Path("khulasa.db"),
    field: FieldOpt = None,
    max_mb: MaxMbOpt = None,
    wait: WaitOpt = 120.0,
    engine: EngineOpt = None,
    workers: WorkersOpt = None,
    address: AddressOpt = None,
) -> None:
    """Add articles to the local store and update its stories (only those that changed).

    Idempotent: articles already stored are skipped. Each batch of articles is stored whole or not at all.

    Example: khulasa ingest scrapes/ --db news.db
    """
    config = _config(ctx)
    from khulasa.errors import StoreError
    from khulasa.store import Store

    try:
        with _engine(engine, _workers(workers, config), address) as runner:
            read, added, skipped, repeated, issues, changed = _ingest(paths, db, config, field, max_mb, wait, runner)
        with Store(db) as store:
            total = store.count()
            n_stories = int(store.db.execute("SELECT count(*) FROM stories").fetchone()[0])
    except StoreError as exc:
        _err().print(f"khulasa: error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    sys.stdout.write(f"ingested {len(added)} new articles ({skipped - repeated} already stored, {repeated} "
                     f"repeating the text of another article of this batch); {len(changed)} stories updated; "
                     f"{total} articles in {n_stories} stories in {db}\n")
    _exit_with(read > 0, issues)


@app.command()
def watch(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="The folder a scraper writes into (read recursively).")],
    db: DbOpt = Path("khulasa.db"),
    interval: Annotated[float, typer.Option(metavar="SECONDS", min=0.1, help="Seconds between looks at the folder.")] = 5.0,
    once: Annotated[bool, typer.Option("--once", metavar="", help="Look once, ingest what is new, and exit.")] = False,
    field: FieldOpt = None,
    max_mb: MaxMbOpt = None,
    wait: WaitOpt = 120.0,
) -> None:
    """Keep the store up to date with a folder: every new or changed file is ingested as it appears.

    Files already seen (same size and modification time) are not read again, across restarts too.
    Stop with Ctrl-C.

    Example: khulasa watch scrapes/ --db news.db --interval 10
    """
    import time

    config = _config(ctx)
    from khulasa.errors import StoreError
    from khulasa.ingest.readers import ARCHIVE_SUFFIXES, SUPPORTED
    from khulasa.store import Store

    if not folder.is_dir():
        _err().print(f"khulasa: error: {folder} is not a folder. Fix: pass the folder the scraper writes into",
                     markup=False)
        raise typer.Exit(EXIT_USAGE)
    try:
        while True:
            with Store(db) as store:
                seen = {str(p): (int(m), int(n)) for p, m, n in store.db.execute(
                    "SELECT path, mtime_ns, size FROM watched")}
            changed: dict[str, tuple[int, int]] = {}
            for path in sorted(folder.rglob("*")):
                name = path.name.lower()
                if name.startswith(".") or not path.is_file() or not (
                        path.suffix.lower() in SUPPORTED or name.endswith(ARCHIVE_SUFFIXES)):
                    continue
                st = path.stat()
                if not once and time.time() - st.st_mtime < min(2.0, interval):
                    continue  # perhaps still being written: next time
                if seen.get(str(path)) != (st.st_mtime_ns, st.st_size):
                    changed[str(path)] = (st.st_mtime_ns, st.st_size)
            if changed:
                try:
                    _, added, _, _, _, stories = _ingest(list(changed), db, config, field, max_mb, wait)
                except StoreError as exc:
                    _err().print(f"khulasa: error: {exc}", markup=False)
                    raise typer.Exit(EXIT_USAGE) from exc
                with Store(db) as store, store.writing():
                    store.db.executemany("INSERT OR REPLACE INTO watched(path, mtime_ns, size) VALUES (?,?,?)",
                                         [(p, m, n) for p, (m, n) in changed.items()])
                sys.stdout.write(f"{len(changed)} files: {len(added)} new articles, {len(stories)} stories updated\n")
                sys.stdout.flush()
            if once:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        _err().print("khulasa: stopped watching", markup=False)


@app.command()
def serve(
    ctx: typer.Context,
    db: DbOpt = Path("khulasa.db"),
    host: Annotated[str, typer.Option(metavar="HOST", help="Interface to listen on (only this machine by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8000,
    allow_host: Annotated[list[str] | None, typer.Option("--allow-host", metavar="HOST", help="Extra Host header to accept.")] = None,
    create: Annotated[bool, typer.Option("--create", metavar="", help="Start an empty store when the --db file is missing.")]
    = False,
) -> None:
    """Serve the store: the RTL digest pages, search, and a JSON API (OpenAPI at /openapi.json).

    The server reads the stories the store holds; `khulasa ingest` or `khulasa watch` in another
    terminal (or POST /api/articles) adds articles, and the pages show them at the next request.

    Example: khulasa serve --db news.db --port 8000
    """
    import socket

    config = _config(ctx)
    import uvicorn

    from khulasa.errors import StoreError
    from khulasa.web import create_app

    hosts = ("127.0.0.1", "localhost", host, *(allow_host or []))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:  # the port first: nothing is started for a port that is taken
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        _err().print(f"khulasa: error: cannot listen on {host}:{port} ({exc.strerror}). Fix: pass another --port, "
                     "or stop the program that uses it", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    try:
        app_ = create_app(str(db), allowed_hosts=tuple(dict.fromkeys(hosts)), config=config, create=create,
                          freeze_gc=True)
    except StoreError as exc:
        sock.close()
        _err().print(f"khulasa: error: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    _err().print(f"khulasa: serving {db} on http://{host}:{port}/ (API: /api/stories, /api/search?q=, "
                 f"POST /api/articles; schema: /openapi.json)", markup=False)
    sys.setswitchinterval(0.001)  # threads hand over sooner: a quick request never waits long behind a page
    server = uvicorn.Server(uvicorn.Config(app_, log_level="warning"))
    server.run(sockets=[sock])


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
