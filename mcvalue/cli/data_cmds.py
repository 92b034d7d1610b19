"""``mcvalue data fetch``, ``mcvalue data audit``, ``mcvalue data collect`` and ``mcvalue reproduce``."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

import mcvalue
from mcvalue.cli.options import BotsOption, DataDirOption, JsonOption, ModeOption, QuietOption, SampleOption, SchedulerOption, WorkersOption
from mcvalue.cli.output import say, say_json, warn

data_app = typer.Typer(help="Get and inspect the paper's GitHub sample, or collect a fresh one from git clones.", no_args_is_help=True)


@data_app.command("fetch")
def fetch_command(
    data_dir: Annotated[
        str | None,
        typer.Option("--data-dir", help="Put the files in this directory instead of the user cache."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--from", metavar="DIR", help="Copy a local copy of the data from DIR (sha256-checked) instead of downloading."),
    ] = None,
) -> None:
    """Download the three data files (pinned commit, sha256-checked), or copy them from --from DIR, into the cache or --data-dir."""
    from pathlib import Path

    for path in mcvalue.fetch_data(Path(data_dir) if data_dir else None, source=source).values():
        say(f"ok  {path}")


def _bot_names(bots: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (bots or "").split(",") if name.strip())


@data_app.command("audit")
def audit_command(data_dir: DataDirOption = None, sample: SampleOption = None, as_json: JsonOption = False, bots: BotsOption = None) -> None:
    """Report what is wrong with the sample: truncation, bots, duplicates, overlaps, empties, outliers."""
    report = mcvalue.audit(data_dir=data_dir, extra_bots=_bot_names(bots), sample=sample)
    if as_json:
        say_json(json.dumps(report, indent=2))
    else:
        say(mcvalue.text.render_audit(report))


def _progress_bar(done: int, total: int) -> None:
    """Draw ``[#####-----] done/total repositories`` on stderr, redrawn in place; a newline at the end.

    Not a terminal (a log file, a pipe): only the last state, so logs hold no carriage returns.
    """
    if done < total and not sys.stderr.isatty():
        return
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    typer.echo("\r", err=True, nl=False)  # the one control character this line may carry: redraw in place
    say(f"collecting [{'#' * filled}{'-' * (width - filled)}] {done}/{total} repositories", err=True, nl=False)
    if end:
        typer.echo(end, err=True, nl=False)


@data_app.command("collect")
def collect_command(
    clones: Annotated[Path, typer.Option("--clones", help="Directory of clones at DIR/owner/name.", file_okay=False)],
    out: Annotated[Path, typer.Option("--out", help="Sample directory to write (re-running resumes an interrupted collection).", file_okay=False)],
    repos: Annotated[
        Path | None,
        typer.Option(
            "--repos", help="Repository list: one GitHub URL or owner/name per line, optionally a tool name (default: the paper's tools).", dir_okay=False
        ),
    ] = None,
    clone: Annotated[bool, typer.Option("--clone", help="Clone missing repositories with git.")] = False,
    design: Annotated[
        str | None, typer.Option("--design", help="history (N random two-week windows over each history, default) or year:YYYY.")
    ] = None,
    windows: Annotated[
        Path | None, typer.Option("--windows", help="Explicit windows: CSV with header repo,start,end (ISO dates, both ends included).", dir_okay=False)
    ] = None,
    per_repo: Annotated[int | None, typer.Option("--per-repo", help="Windows per repository (default 5).")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the window draw (default 2022).")] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="Re-collect what this manifest.json describes (same commits and windows, same bytes).", dir_okay=False)
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--day", help="A commit's day: utc (its author date's UTC day, default) or local (the author's own calendar day, as GitHub reads it)."
        ),
    ] = None,
    mailmap: Annotated[
        bool, typer.Option("--mailmap/--no-mailmap", help="Merge one person's addresses by the repository's .mailmap (default, as GitHub does).")
    ] = True,
    bots: Annotated[
        str | None,
        typer.Option(
            "--bots",
            help="GitHub app accounts (login ending in \\[bot]): keep (counted and flagged per window, default) "
            "or drop (left out, as GitHub's contributors page does).",
        ),
    ] = None,
    shallow_since: Annotated[
        str | None,
        typer.Option("--shallow-since", metavar="YYYY-MM-DD", help="With --clone: fetch only the history since this day (e.g. 2025-01-01 for year:2025)."),
    ] = None,
    population: Annotated[
        str | None,
        typer.Option(
            "--population", metavar="NAME",
            help="Name of the population the repository list is, recorded in the manifest with its size and sha256 "
            "(default: paper-139 for the paper's tools, else list-<sha256 prefix>); a run's \\[cost] population must name it.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    quiet: QuietOption = False,
) -> None:
    """Collect a fresh sample from local git clones: contributor-periods, repo-periods and manifest.json in --out."""
    result = mcvalue.collect_sample(
        out, clones=clones, repos=repos, design=design, windows=windows, manifest=manifest, per_repo=per_repo, seed=seed,
        workers=workers, scheduler=scheduler, clone=clone, data_dir=data_dir, progress=None if quiet else _progress_bar, day=day,
        mailmap=mailmap, bots=bots, shallow_since=shallow_since, population=population,
    )
    for line in [*result.warnings, *result.problems()]:
        warn(line)
    records = result.repositories
    read = [record for record in records if record["status"] != "skipped"]
    windows_read = sum(len(record["windows"]) for record in read)
    commits = sum(window["commits"] for record in read for window in record["windows"])
    say(
        f"collected {len(read)} of {len(records)} repositories ({len(result.with_status('incomplete'))} incomplete, "
        f"{len(result.with_status('skipped'))} skipped), {windows_read} windows, {commits:,} commits, design {result.design}: "
        f"{out / 'manifest.json'}"
    )


def reproduce_command(mode: ModeOption = None, data_dir: DataDirOption = None, sample: SampleOption = None, as_json: JsonOption = False) -> None:
    """Table 1 of the paper; without --mode, the published values beside all three modes (two for a --sample)."""
    record = mcvalue.reproduce(mode, data_dir=data_dir, sample=sample)  # type: ignore[arg-type]  # --mode text as given: the API checks it and names its mode parameter
    if as_json:
        say_json(json.dumps(record, indent=2))
    else:
        say(mcvalue.text.render_table1(record))


def register(app: typer.Typer) -> None:
    """Add the ``data`` group and the ``reproduce`` command to the main app."""
    app.add_typer(data_app, name="data")
    app.command("reproduce")(reproduce_command)
