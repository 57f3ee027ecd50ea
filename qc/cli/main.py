"""The ``qc`` command: score recordings, look at a call, check the database and the models."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from qc.cli.common import ConfigOpt, DbOpt, QcTyper, console, err, settings_from
from qc.errors import QCError
from qc.records import CallMeta, CallResult

app = QcTyper(
    help="hotline-qc: transcribe, diarize and score every call of a service hotline, into a DuckDB file.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _print_version(asked: bool) -> None:
    if asked:
        from qc import PIPELINE_VERSION, __version__

        console.print(f"hotline-qc {__version__} (pipeline {PIPELINE_VERSION})", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True,
        help="Print the package version and the pipeline version stored with every result, then exit.",
    ),
) -> None:
    """hotline-qc: transcribe, diarize and score every call of a service hotline, into a DuckDB file."""


def _quiet_prefect(verbose: bool) -> None:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s")


@app.command()
def score(
    paths: list[Path] = typer.Argument(..., help="Recordings or folders of recordings (searched recursively)."),
    line: Optional[str] = typer.Option(None, help="Hotline line the calls belong to (default: the configured default line)."),
    agent: Optional[str] = typer.Option(None, help="Agent id for every call (a <name>.meta.json sidecar overrides it)."),
    agent_channel: Optional[int] = typer.Option(None, min=0, max=1, help="Stereo channel of the agent: 0 = left, 1 = right."),
    workers: Optional[int] = typer.Option(None, min=1, help="Calls scored at once (default 1; cores are shared)."),
    force: bool = typer.Option(False, "--force", help="Re-score calls this version already scored."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the pipeline's and Prefect's logs."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Score recordings into the database.

    Each recording is transcribed, split into agent and caller, checked against its line's rubric
    and stored with the evidence for every verdict. Calls already scored by this version are skipped.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qc.sources import discover

    settings = settings_from(config, db, workers=workers)
    if line is not None:
        settings.line(line)  # an unknown line is a usage error, not a batch of failed calls
    try:
        files = discover(paths)
    except QCError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not files:
        err.print("[red]error:[/red] no recordings found in " + ", ".join(map(str, paths)))
        raise typer.Exit(2)
    _quiet_prefect(verbose)
    from pipelines.runtime import lower_priority
    from pipelines.score import run_scoring

    lower_priority(settings.batch_nice)

    defaults = CallMeta(line=line, agent_id=agent, agent_channel=agent_channel)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err) as bar:
        job = bar.add_task("starting (first run loads the model and Prefect)…", total=len(files))

        def advance(result: CallResult) -> None:
            bar.update(job, advance=1, description=f"{Path(result.path).name}: {result.status}")

        try:
            summary = run_scoring(files, settings, defaults, force=force, on_result=advance,
                                  source=" ".join(str(p) for p in paths))
        except QCError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        bar.update(job, completed=len(files), description="done")
    if summary.results:
        console.print(summary_table(summary.results))
    rtf = f", {summary.realtime_factor}× real time" if summary.realtime_factor else ""
    console.print(
        f"scored {summary.scored}, failed {summary.failed}, already scored {summary.skipped}; "
        f"{summary.audio_seconds:.0f} s of audio in {summary.wall_seconds:.0f} s{rtf} → {summary.db_path}"
    )
    if summary.scored == 0 and summary.skipped == 0:
        raise typer.Exit(1)


def summary_table(results: list[CallResult]) -> Table:
    from rich import box

    table = Table(title="Calls", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("call", no_wrap=True)
    table.add_column("file", overflow="ellipsis", no_wrap=True, max_width=20)
    for column in ("secs", "lang", "speakers", "score"):
        table.add_column(column, no_wrap=True)
    table.add_column("flags / reason", overflow="fold", min_width=18)
    for r in sorted(results, key=lambda r: r.path):
        duration = f"{r.audio.duration_s:.0f}" if r.audio else "-"
        if r.status == "failed":
            table.add_row(r.call_id[:8], Path(r.path).name, duration, "-", "-", "[red]failed[/red]", f"{r.failure_stage}: {r.failure_reason}")
            continue
        flags = ", ".join(r.flags) or "-"
        if r.warnings:
            flags += f" ({len(r.warnings)} warning{'s' if len(r.warnings) > 1 else ''})"
        score = f"{r.score:.0f}" if r.score is not None else "-"
        table.add_row(r.call_id[:8], Path(r.path).name, duration, r.language or "-", r.speakers_status or "-", score, flags)
    return table


@app.command()
def show(
    call_id: str = typer.Argument(..., help="Call id, or its first characters."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored rows as JSON."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Show one call: transcript and verdicts.

    Metadata, the transcript by speaker, and every rubric verdict with the words and times behind it.
    """
    from qc.store import Store

    settings = settings_from(config, db)
    try:
        with Store(settings.db_path, read_only=True) as store:
            matches = store.find_call(call_id)
            if len(matches) != 1:
                msg = "no call matches" if not matches else f"{len(matches)} calls match"
                err.print(f"[red]error:[/red] {msg} '{call_id}'")
                raise typer.Exit(1)
            call = store.call(matches[0])
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        console.print_json(json.dumps(call, default=str, ensure_ascii=False))
        return
    render_call(call)


def render_call(call: dict) -> None:
    console.print(f"[bold]{call['call_id']}[/bold]  {call['path']}")
    console.print(
        f"line {call['line']}  agent {call['agent_id'] or '-'}  {call['duration_s'] or 0:.1f} s  "
        f"{call['layout'] or '-'}  language {call['language'] or '-'}  speakers {call['speakers_status'] or '-'}  "
        f"status {call['status']}  score {call['score'] if call['score'] is not None else '-'}"
    )
    if call.get("case_type"):
        urgent = call.get("urgency") == "urgent"
        urgency = f"  [red bold]{call.get('urgency_title') or 'URGENT'}[/red bold]" if urgent else ""
        evidence = call.get("case_evidence") or []
        why = f" (caller: “{evidence[0]['matched']}” at {evidence[0]['start_s']:.1f} s)" if evidence else ""
        colour = {"orange": "dark_orange", "red": "red"}.get(call.get("repeat_level") or "", "white")
        repeat = f"  [{colour}]{call['repeat_level']} case: call no. {call['repeat_count']} about this problem[/]" if call.get("repeat_level") else ""
        console.print(f"case {call['case_title'] or call['case_type']}{why}{urgency}{repeat}  rubric {call['rubric_id']} {call['rubric_version']}")
    for alert in call.get("alerts") or []:
        at = f" at {alert['start_s']:.1f} s" if alert["start_s"] is not None else ""
        console.print(f"[red]ALERT ({alert['kind']}){at}:[/red] {alert['message']}", highlight=False)
    if call["failure_reason"]:
        console.print(f"[red]failed at {call['failure_stage']}:[/red] {call['failure_reason']}")
    for warning in call["warnings"] or []:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if call["utterances"]:
        console.print("\n[bold]Transcript[/bold]")
    for u in call["utterances"]:
        colour = {"agent": "cyan", "caller": "green"}.get(u["role"], "white")
        console.print(f"[{colour}]{u['start_s']:7.2f}–{u['end_s']:7.2f}  {u['role']:<7}[/{colour}] {u['text']}")
    if call["rule_hits"]:
        console.print("\n[bold]Rubric[/bold]")
    for hit in call["rule_hits"]:
        mark = {"pass": "[green]pass[/green]", "fail": "[red]FAIL[/red]", "na": "n/a"}[hit["verdict"]]
        console.print(f"{mark}  {hit['item_id']} — {hit['title']} ({hit['points']:g}/{hit['max_points']:g})")
        console.print(f"      {hit['reason']}")
        for e in hit["evidence"] or []:
            console.print(f"      at {e['start_s']:.2f}–{e['end_s']:.2f} s, {e['role']}: “{e['matched']}” in “{e['text']}”")


@app.command("export-audio")
def export_audio(
    call_id: str = typer.Argument(..., help="Call id, or its first characters."),
    out: Path = typer.Option(..., "--out", "-o", help="FLAC file to write."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Write a call's playback audio with personal data muted.

    Every span where an ID, phone or card number, address or name was heard is silenced (with a
    margin), on every channel: what inspectors play back, instead of the raw recording.
    """
    from qc.audio.playback import encode_flac, playback_channels
    from qc.store import Store

    settings = settings_from(config, db)
    try:
        with Store(settings.db_path, read_only=True) as store:
            matches = store.find_call(call_id)
            if len(matches) != 1:
                err.print(f"[red]error:[/red] {'no call matches' if not matches else f'{len(matches)} calls match'} '{call_id}'")
                raise typer.Exit(1)
            call = store.call(matches[0])
            times = store.personal_data_times(matches[0])
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:
        channels, muted_spans = playback_channels(Path(call["path"]), times, settings.audio)
    except QCError as exc:
        err.print(f"[red]error:[/red] cannot read the recording {call['path']}: {exc}")
        raise typer.Exit(2) from exc
    out.write_bytes(encode_flac(channels))
    console.print(f"wrote {out} ({len(channels[0]) / 16000:.1f} s, {muted_spans} span(s) of personal data muted)")


@app.command("db")
def db_info(config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Database location and row counts.

    Where the DuckDB file is, its schema version, and how many rows each table holds.
    """
    from qc.store import Store

    settings = settings_from(config, db)
    try:
        with Store(settings.db_path, read_only=True) as store:
            counts, version = store.counts(), store.schema_version()
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"database: {settings.db_path.resolve()}  (schema version {version})")
    for name, n in counts.items():
        console.print(f"  {name:<14} {n}")
    console.print(f"query it: duckdb {settings.db_path} \"SELECT status, count(*) FROM calls GROUP BY ALL\"")


@app.command()
def models(
    verify: bool = typer.Option(False, "--verify", help="Assemble and checksum the weights now."),
    config: Optional[Path] = ConfigOpt,
) -> None:
    """List and verify the models.

    Every model in the registry, the packages or files its weights come from, the licence, and
    whether it is installed; --verify assembles and checksums the weights now.
    """
    from qc.models import load_registry, resolve_whisper_folder, shipped_model_file
    from qc.models import _source_paths as installed_paths

    settings = settings_from(config, None)
    for name, entry in load_registry(settings.models_dir).items():
        console.print(f"[bold]{name}[/bold] ({entry.kind}) — {entry.description}; licence {entry.licence}")
        for source in entry.sources:
            state = "installed" if installed_paths(source) else "not installed"
            pkgs = ", ".join(f"{p}=={v}" for p, v in source.packages.items())
            console.print(f"  source {source.name}: {pkgs} ({state}) sha256 {source.model_bin_sha256[:16]}…")
        if entry.file:
            state = "present" if (settings.models_dir / entry.file).is_file() else "missing"
            console.print(f"  file {settings.models_dir / entry.file} ({state}) sha256 {(entry.sha256 or '')[:16]}…")
        if verify:
            try:
                if entry.file:
                    where = shipped_model_file(name, settings.models_dir)
                else:
                    where, _ = resolve_whisper_folder(name, settings.models_dir, settings.model_cache_dir)
                console.print(f"  [green]verified[/green] → {where}")
            except QCError as exc:
                err.print(f"  [red]error:[/red] {exc}")
                raise typer.Exit(1) from exc


nightly_app = QcTyper(help="The nightly batch: score a day's recordings on a schedule or by hand.", no_args_is_help=True)
app.add_typer(nightly_app, name="nightly")


@nightly_app.command("run")
def nightly_run(
    root: Path = typer.Option(..., help="Recordings root: one folder per day (YYYY-MM-DD) below it."),
    date: Optional[str] = typer.Option(None, help="Day to score, YYYY-MM-DD (default: yesterday)."),
    settle: float = typer.Option(120.0, help="Seconds a file must be unchanged before it is scored."),
    dask: Optional[str] = typer.Option(None, help="Dask scheduler address (tcp://host:8786) to run the calls on."),
    dask_workers: int = typer.Option(0, min=0, help="Or: start a local Dask cluster of N worker processes."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Score one day's recordings now.

    Resumable: calls already scored are skipped, files still being written are left for the next run,
    and the run's figures are stored in the runs table.
    """
    settings = settings_from(config, db)
    _quiet_prefect(verbose)
    from pipelines.nightly import run_nightly
    from pipelines.runtime import lower_priority

    lower_priority(settings.batch_nice)

    try:
        summary = run_nightly(str(root), date, settings=settings, settle_seconds=settle, dask_address=dask, dask_workers=dask_workers)
    except QCError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    if summary.results:
        console.print(summary_table(summary.results))
    console.print(
        f"scored {summary.scored}, failed {summary.failed}, already scored {summary.skipped}, "
        f"still being written {summary.still_writing}; {summary.audio_seconds / 3600:.2f} audio hours → {summary.db_path}"
    )


@nightly_app.command("serve")
def nightly_serve(
    root: Path = typer.Option(..., help="Recordings root: one folder per day (YYYY-MM-DD) below it."),
    cron: str = typer.Option("0 1 * * *", help="When to run (cron, local time)."),
    tz: str = typer.Option("Asia/Shanghai", help="Time zone of the cron schedule."),
) -> None:
    """Serve the nightly run on a schedule (needs a Prefect server).

    Start a Prefect server first (`prefect server start`, PostgreSQL in production) and point
    PREFECT_API_URL at it: Prefect's temporary in-process server does not fire schedules.
    """
    from prefect import serve

    from pipelines.nightly import deployment

    serve(deployment(str(root.resolve()), cron, tz))


retention_app = QcTyper(help="Retention: delete stored data whose keeping period has passed.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


@retention_app.command("run")
def retention_run(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be deleted; delete nothing."),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Delete what is due, per kind of data.

    Periods come from the retention settings (raw transcripts 30 days, transcripts 1 year, results
    3 years, failure history 90 days by default); every run is written to retention_log.
    """
    settings = settings_from(config, db)
    if not settings.db_path.exists():
        err.print(f"[red]error:[/red] no database at {settings.db_path}")
        raise typer.Exit(2)
    _quiet_prefect(verbose)
    from pipelines.retention import retention
    from pipelines.runtime import prefect_api

    with prefect_api():
        records = retention(settings, dry_run=dry_run)
    for record in records:
        verb = "would delete" if record["dry_run"] else "deleted"
        console.print(f"{record['kind']:<16} keep {record['keep_days']:>4} days: {verb} {record['rows']} rows (before {record['cutoff']:%Y-%m-%d})")


rubric_app = QcTyper(help="Rubrics: check a rubric file and read it as an inspector would.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")


@rubric_app.command("check")
def rubric_check(file: Path = typer.Argument(..., help="A rubric YAML file, e.g. rubrics/12345.yaml.")) -> None:
    """Validate a rubric and print it in words.

    Errors name the file, the line and the field. A valid rubric is printed section by section: each
    item with its points, when it applies, and the rule in words; then case types and urgency.
    """
    from qc.rubric import load_rubric
    from qc.rubric.conditions import describe

    try:
        rubric = load_rubric(file.resolve())
    except QCError as exc:
        err.print(f"[red]invalid rubric:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(1) from exc
    console.print(f"[bold]{rubric.title}[/bold]  (id {rubric.id}, version {rubric.version}, line {rubric.line or '-'})")
    console.print(f"{len(rubric.items)} items; phrases also match homophones at pinyin similarity ≥ {rubric.fuzzy_threshold}")
    sections = {s.id: s for s in rubric.sections}
    order = [s.id for s in rubric.sections] + [None]
    for section_id in order:
        items = [i for i in rubric.items if i.section == section_id]
        if not items:
            continue
        head = sections[section_id] if section_id else None
        console.print(f"\n[bold]{head.title if head else 'Items'}[/bold]" + (f"  (weight {head.weight:g})" if head else ""))
        for item in items:
            critical = "  [red]critical: a fail zeroes the call[/red]" if item.severity == "critical" else ""
            console.print(f"  [cyan]{item.id}[/cyan] — {item.title}, {item.points:g} points{critical}")
            if item.applies_if is not None:
                console.print(f"      applies when {describe(item.applies_if)}", highlight=False)
            if item.explain:
                console.print(f"      {item.explain}", highlight=False)
            console.print(f"      passes when {describe(item.check)}", highlight=False)
    if rubric.case_types:
        console.print("\n[bold]Case type[/bold] (the first that matches)")
        for rule in rubric.case_types:
            when = describe(rule.when) if rule.when is not None else "nothing above matched (default)"
            console.print(f"  {rule.id} {rule.title}: {when}", highlight=False)
    for rule in rubric.urgency:
        deadline = f", respond within {rule.deadline_response_h:g} h" if rule.deadline_response_h else ""
        console.print(f"\n[bold]Urgency {rule.title}[/bold]{deadline}: {describe(rule.when)}", highlight=False)


@app.command()
def rescore(
    line: Optional[str] = typer.Option(None, help="Only this line's calls (default: every line, each with its rubric)."),
    rubric: Optional[Path] = typer.Option(None, help="Use this rubric file instead of the line's configured one."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Re-apply rubrics to stored transcripts.

    No speech recognition runs: the stored utterances are judged again, results are stored per rubric
    version, and each call's score, flags, case type and urgency follow the new run.
    """
    from qc.rescore import rescore as run_rescore

    settings = settings_from(config, db)
    if not settings.db_path.exists():
        err.print(f"[red]error:[/red] no database at {settings.db_path} (score some calls first: qc score PATH)")
        raise typer.Exit(2)
    summary = run_rescore(settings, line=line, rubric_path=rubric.resolve() if rubric else None)
    speed = f" ({summary.calls_per_second} calls/s)" if summary.calls_per_second else ""
    console.print(
        f"re-scored {summary.calls} calls with rubric {', '.join(summary.rubrics) or '-'} in "
        f"{summary.seconds:.2f} s{speed}; {summary.changed_score} scores changed"
    )


def _register_web_commands() -> None:
    from qc.cli import web as cli_web

    app.add_typer(cli_web.users_app, name="users")
    app.add_typer(cli_web.tokens_app, name="tokens")
    app.add_typer(cli_web.agents_app, name="agents")
    app.add_typer(cli_web.live_app, name="live")
    from qc.cli.webhooks import webhooks_app

    app.add_typer(webhooks_app, name="webhooks")
    app.command("serve")(cli_web.serve)
    from qc.cli import report as cli_report

    app.command("report")(cli_report.report)
    from qc.cli import deploy as cli_deploy

    app.add_typer(cli_deploy.deploy_app, name="deploy")
    app.command("doctor")(cli_deploy.doctor)

    from qc.cli import export as cli_export

    app.command("export")(cli_export.export)


_register_web_commands()

if __name__ == "__main__":
    app()
