"""The entry points over a sample of repositories: fetch the paper's files, collect a new sample, audit one, reproduce Table 1 from one.

Separate from the run because none of them draws a Monte Carlo sample: they read,
check or build the data the cost model is fitted to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue.config import WINDOW_SEED
from mcvalue.errors import DataError, McValueError

if TYPE_CHECKING:
    from datetime import date

    from mcvalue.data.manifest import Manifest
    from mcvalue.priors.spec import Mode
    from mcvalue.runs.result import AuditReport, Table1Result


def reproduce(mode: Mode | None = None, *, data_dir: Path | None = None, sample: Path | None = None) -> Table1Result:
    """Table 1 in one data mode, or the published table beside all modes (``mcvalue reproduce``).

    With ``sample`` (a directory written by :func:`collect_sample`) the table is computed
    from that sample, whose modes are ``corrected`` and ``clean`` (no paper mode).

    Returns
    -------
    Table1Result
        With ``mode``: that mode's Table 1 record (rows, cleaning, data hashes). Without:
        ``{"published": {"source", "rows"}, "modes": [record per mode]}``.
        ``.to_df()``: one row per mode and costing method.

    Examples
    --------
    >>> import mcvalue
    >>> print(mcvalue.text.render_table1(mcvalue.reproduce()))  # doctest: +SKIP
    """
    from mcvalue.costmodels.table1 import record_rows_published, table1_record
    from mcvalue.data import load_sample
    from mcvalue.priors.settings import MODES
    from mcvalue.runs.result import Table1Result

    if mode is not None:
        if mode not in MODES:
            raise McValueError(f"{{mode}}: unknown mode {mode!r}; choose one of {', '.join(MODES)}", parameters=("mode",))
        return Table1Result(table1_record(load_sample(mode, data_dir, sample=sample)))
    modes = MODES if sample is None else tuple(m for m in MODES if m != "paper")
    return Table1Result({
        "published": {"source": "Langenkamp & Yue (AIES 2022), Table 1", "rows": record_rows_published()},
        "modes": [table1_record(load_sample(m, data_dir, sample=sample)) for m in modes],
    })


def audit(
    *, data_dir: Path | None = None, extra_bots: Sequence[str] = (), top: int = 10, sample: Path | None = None
) -> AuditReport:
    """Return what is wrong with the sample: truncation, bots, duplicates, overlaps, empties, outliers.

    The report indexes like the ``--json`` record; ``.to_df()`` gives one row per finding
    with its count.

    With ``sample`` (a directory written by :func:`collect_sample`) that sample is audited
    as collected (there is no flat CSV, so no truncation finding); ``sample`` in the
    report holds its path, design and the manifest's problems (skipped or incomplete
    repositories).

    Examples
    --------
    >>> import mcvalue
    >>> report = mcvalue.audit()  # doctest: +SKIP
    >>> report["bots"]  # doctest: +SKIP
    """
    from mcvalue.data.audit import audit as audit_sample
    from mcvalue.data.audit import audit_tables
    from mcvalue.runs.result import AuditReport

    if sample is None:
        return AuditReport(audit_sample(data_dir, tuple(extra_bots), top))
    from mcvalue.data.collected_sample import load_collected
    from mcvalue.data.manifest import MANIFEST_FILE, Manifest

    collected = load_collected(Path(sample))
    manifest = Manifest.read(Path(sample) / MANIFEST_FILE)
    report = audit_tables(collected.contributions, collected.periods, None, tuple(extra_bots), top)
    report["extra_bots"] = list(extra_bots)
    report["data_sha256"] = dict(collected.file_sha256)
    outside = [
        {"repo": record["repo"], "start": window["start"], "end": window["end"]}
        for record in manifest.repositories for window in record["windows"] if not window.get("in_history", True)
    ]
    report["sample"] = {
        "path": str(sample), "design": manifest.design, "problems": manifest.problems(),
        "sample_sha256": collected.file_sha256.get("sample_sha256"), "windows_outside_history": outside,
    }
    return AuditReport(report)


def fetch_data(dest: Path | None = None, source: Path | str | None = None) -> dict[str, Path]:
    """Download the paper's data files (pinned commit, sha256-checked) into ``dest`` or the cache, or copy them from ``source``.

    Parameters
    ----------
    dest : pathlib.Path, optional
        Where the files go (default: the user cache, where every command finds them).
    source : pathlib.Path or str, optional
        A local copy of the data (``mcvalue data fetch --from DIR``): each file is checked
        against its pinned sha256 and copied, so later commands need no ``--data-dir`` or
        ``$MCVALUE_DATA_DIR``. Nothing is downloaded.

    Raises
    ------
    DataError
        ``source`` does not exist, lacks a file, or holds a file with other bytes.

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.fetch_data("data/")  # doctest: +SKIP
    >>> mcvalue.fetch_data(source="../shared/data/osml_value")  # doctest: +SKIP
    """
    from mcvalue.data.fetch import DATA_FILES, data_cache_dir, fetch, locate  # locate refuses other bytes, naming both hashes

    if source is None:
        return fetch(dest)
    origin = Path(source)
    if not origin.is_dir():
        raise DataError(f"{{source}}: directory {origin} does not exist", parameters=("source",))
    missing = [name for name in DATA_FILES if not (origin / name).is_file()]
    if missing:
        raise DataError(f"{{source}}: {origin} has no file {missing[0]!r} (it needs {', '.join(repr(n) for n in DATA_FILES)})", parameters=("source",))
    checked = {name: locate(name, origin) for name in DATA_FILES}  # every file verified before any is copied
    directory = Path(dest) if dest is not None else data_cache_dir()
    return {name: _copy(path, directory) for name, path in checked.items()}


def collect_sample(
    out: Path,
    *,
    clones: Path,
    repos: Path | None = None,
    design: str | None = None,
    windows: Path | None = None,
    manifest: Path | None = None,
    per_repo: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    clone: bool = False,
    data_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    day: str | None = None,
    mailmap: bool = True,
    bots: str | None = None,
    shallow_since: str | None = None,
    population: str | None = None,
) -> Manifest:
    """Collect a fresh sample from local git clones into ``out`` (``mcvalue data collect``).

    Parameters
    ----------
    out : pathlib.Path
        The sample directory: ``contributions.csv``, ``periods.csv``, ``manifest.json``;
        results already there for the same request are re-used (an interrupted
        collection resumes).
    clones : pathlib.Path
        Clones live at ``clones/owner/name``; with ``clone`` missing ones are cloned there.
    repos : pathlib.Path, optional
        Repository list (one GitHub URL or ``owner/name`` per line, optionally a tool
        name). Default: the paper's tool list, or with ``windows`` the repositories the
        windows file names.
    design : str, optional
        ``history`` (the default: the paper's design) or ``year:YYYY``.
    windows : pathlib.Path, optional
        Explicit windows, a CSV ``repo,start,end``; excludes ``design``.
    manifest : pathlib.Path, optional
        Re-collect what this manifest describes (same commits, windows, bytes) from
        clones that hold the recorded commits; excludes ``repos``, ``design``,
        ``windows``, ``per_repo``, ``seed`` and ``clone``.
    per_repo, seed : int, optional
        Windows per repository (default 5) and the seed of their draw (default 2022);
        not allowed with explicit windows, which draw nothing.
    workers : int, optional
        Repositories read at the same time, each by a worker of a Dask ``LocalCluster``
        (default: one per core if Dask is installed, else 1); 1 reads them in this process
        without Dask. The files are the same bytes whatever the number.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://10.0.0.1:8786``) whose workers read
        the repositories; they must see the clones at ``clones`` (the same path on every
        machine). This process still writes every file.
    clone : bool
        Clone missing repositories with git.
    data_dir : pathlib.Path, optional
        Where the paper's tool list is (only read for the default repository list).
    progress : callable, optional
        Called with (repositories done, total) after each repository.
    day : str, optional
        How a commit's author date becomes a day: ``utc`` (the default: its UTC day) or
        ``local`` (the day on the author's clock, as GitHub's contributors graph reads
        it). A re-collection uses the manifest's.
    mailmap : bool
        Merge identities with the repository's ``.mailmap`` (default, as GitHub does).
    bots : str, optional
        ``keep`` (the default: ``[bot]`` accounts counted, flagged per window as
        ``bot_commits``, removed by clean mode) or ``drop`` (left out, as GitHub's page does).
    shallow_since : str, optional
        ``YYYY-MM-DD``: with ``clone``, clone only the history since that day (and the
        cut-off commits' parents), e.g. ``2025-01-01`` for ``year:2025``: the same tables
        from a fraction of the history. Not with the history design or later than the
        design's first day.
    population : str, optional
        The name of the population the repository list is (``--population``), recorded in
        the manifest with the list's size and sha256; default ``paper-139`` for the paper's
        tool list, else a name made from the list's sha256. A run on the sample refuses a
        prior whose ``[cost] population`` differs (its coverage is about another population).

    Returns
    -------
    Manifest
        Also in ``out/manifest.json``; repositories that could not be read are listed as
        skipped, one line each (:meth:`Manifest.problems`).

    Raises
    ------
    McValueError
        Conflicting or invalid options, an unreadable list or windows file (one line
        naming it), or no repository could be read at all.

    Examples
    --------
    >>> import mcvalue
    >>> manifest = mcvalue.collect_sample("samples/2024", clones="clones", repos="repos.txt", design="year:2024")  # doctest: +SKIP
    >>> scenario = mcvalue.load_scenario("default").with_settings(sample="samples/2024")  # doctest: +SKIP
    """
    from mcvalue.data import collect as col
    from mcvalue.data.manifest import Reading
    from mcvalue.tasks import check_workers, dask_installed, default_workers, require_dask

    clones, out = Path(clones), Path(out)
    check_workers(workers)
    if workers is None:
        workers = default_workers() if scheduler is not None or dask_installed() else 1
    if scheduler is not None or workers > 1:
        require_dask("mcvalue data collect reads its repositories")  # before anything is read or written
    if scheduler is None and not clones.is_dir() and not (clone and not clones.exists()):
        raise McValueError(f"{{clones}} {clones}: no such directory" + ("" if clone else " ({clone} creates it)"), parameters=("clones", "clone"))
    if manifest is not None:
        given = tuple(name for name, value in (("repos", repos), ("design", design), ("windows", windows),
                                               ("per_repo", per_repo), ("seed", seed), ("clone", clone or None),
                                               ("day", day), ("mailmap", None if mailmap else True),
                                               ("bots", bots), ("shallow_since", shallow_since), ("population", population))
                      if value is not None)
        if given:
            drop = ", ".join("{" + name + "}" for name in given)
            raise McValueError(f"{{manifest}} re-collects what the manifest says; drop {drop}", parameters=("manifest", *given))
        result = col.recollect(Path(manifest), clones, out, workers, progress, scheduler)
    else:
        from mcvalue.priors.settings import PAPER_POPULATION

        specs, chosen, per_repo, seed = _collection_request(repos, design, windows, per_repo, seed, data_dir)
        paper_list = repos is None and windows is None
        result = col.collect(
            specs, clones, out, chosen, per_repo, seed, workers=workers, clone_missing=clone, progress=progress,
            scheduler=scheduler, reading=Reading(day or "utc", mailmap, bots or "keep"), shallow_since=_day_option("shallow_since", shallow_since),
            population=population or (PAPER_POPULATION if paper_list else None),
        )
    if result.repositories and len(result.with_status("skipped")) == len(result.repositories):
        raise DataError(f"no repository could be read ({len(result.repositories)} skipped; {result.problems()[0]})")
    return result


def _day_option(option: str, text: str | None) -> date | None:
    """Parse a ``YYYY-MM-DD`` parameter named ``option`` (McValueError naming it)."""
    from datetime import date

    if text is None:
        return None
    try:
        if len(text.strip()) != 10:
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise McValueError(f"{{{option}}} {text!r}: use a YYYY-MM-DD date", parameters=(option,)) from None


def _collection_request(
    repos: Path | None, design: str | None, windows: Path | None, per_repo: int | None, seed: int | None, data_dir: Path | None
) -> tuple[list[Any], Any, int, int]:
    """Return collect()'s repositories, design, per_repo and seed from the command line's choices."""
    from mcvalue.data import collect as col
    from mcvalue.data import repos as listed
    from mcvalue.data import windows as designs

    if windows is not None:
        if design is not None:
            raise McValueError("{design} and {windows} exclude each other: explicit windows are the design", parameters=("design", "windows"))
        if per_repo is not None or seed is not None:
            raise McValueError("{per_repo} and {seed} draw windows; {windows} gives them explicitly, so drop them", parameters=("per_repo", "seed", "windows"))
        chosen = designs.parse_windows(Path(windows))
        specs = listed.parse_repo_list(Path(repos)) if repos is not None else designs.repos_for_windows(chosen, ())
    else:
        chosen = designs.parse_design(design or "history")
        specs = listed.parse_repo_list(Path(repos)) if repos is not None else listed.paper_repos(data_dir)
    return (
        specs,
        chosen,
        col.DEFAULT_PER_REPO if per_repo is None else per_repo,
        WINDOW_SEED if seed is None else seed,
    )


def _copy(checked: Path, directory: Path) -> Path:
    """Copy a verified data file into ``directory`` through a temporary file renamed into place."""
    import os
    import shutil

    name = checked.name
    target = directory / name
    tmp = directory / f".{name}.tmp-{os.getpid()}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(checked, tmp)
        os.replace(tmp, target)
    except OSError as error:
        raise DataError(f"cannot write {name!r} to {directory}: {error.strerror or error}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
