"""Every chain of stages, and nothing else: the one module that calls one stage after another.

    prior file -> Scenario -> data -> cost model (fit) -> simulate -> summarise -> RunResult
    (-> report, written only by :func:`mcvalue.report.write_report`)

Each function here is a public entry point of :mod:`mcvalue` (the CLI is a thin shell
over them). None of them writes files; the caches of the cost side are the exception
the design allows (verified, never trusted).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue.config import WINDOW_SEED, Log, silent, to_stderr
from mcvalue.decision.common import DEFAULT_SWING
from mcvalue.errors import DataError, McValueError

if TYPE_CHECKING:
    from datetime import date

    from mcvalue.comparison import Comparison
    from mcvalue.data.manifest import Manifest
    from mcvalue.priors.spec import Mode, Scenario
    from mcvalue.result import AuditReport, FitResult, RunResult, Table1Result

def run(
    scenario: Scenario,
    *,
    data_dir: Path | None = None,
    progress: bool = False,
    refit: bool = False,
    allow_unconverged: bool = False,
    swing: tuple[float, float] = DEFAULT_SWING,
    thresholds: Sequence[float] = (),
    explicit_cost_model: bool = False,
    log: Log | None = None,
) -> RunResult:
    """Run every stage for one scenario and return the results; nothing is written.

    Parameters
    ----------
    scenario : Scenario
        From :func:`mcvalue.load_scenario`, optionally changed with ``with_prior`` and
        ``with_settings``.
    data_dir : pathlib.Path, optional
        Directory holding the paper's data files (else ``$MCVALUE_DATA_DIR``, the cache,
        a download). With no copy anywhere and no cost model named explicitly the run
        falls back to the paper's published Table 1 costs and says so in its warnings.
    progress : bool
        Print progress lines (and the sampler's progress bar) on stderr.
    refit, allow_unconverged : bool
        Refit the cost model instead of using cached results; carry on with a fit that
        failed its convergence checks (the failure is written into every output).
    swing : (float, float)
        The tornado's two quantiles, e.g. (0.1, 0.9).
    thresholds : sequence of float
        Extra BCR thresholds k (``--threshold``): added to the exceedance curve, the
        break-even table and the value of information (besides 1, 10, 100).
    explicit_cost_model : bool
        The user named the cost model: missing data is then an error, never a fallback.
    log : callable, optional
        Receives progress lines instead of stderr.

    Returns
    -------
    RunResult
        The scenario actually run, the cost side, the draws, the decision analysis
        (:func:`mcvalue.decision.decide`, on the run's own draws) and the summary.

    Examples
    --------
    >>> import mcvalue
    >>> scenario = mcvalue.load_scenario("default").with_settings(draws=5000, cost_model="table1")
    >>> result = mcvalue.run(scenario)
    >>> round(result.summary()["bcr"]["median"]) > 1
    True
    """
    from mcvalue.costmodels import cost_side, drop_unpriced_methods
    from mcvalue.costmodels.population import check_population
    from mcvalue.costmodels.pymc.diagnostics import convergence_failure
    from mcvalue.decision.analysis import decide
    from mcvalue.result import RunResult
    from mcvalue.engine.simulate import check_finite, check_memory, model_of, simulate
    from mcvalue.engine.summarise import build_summary

    say = log or (to_stderr if progress else silent)
    requested_toml = scenario.resolved_toml  # what priors.toml records, before the engine's fallbacks below
    check_memory(scenario)
    check_population(scenario)
    cost, warnings = cost_side(
        scenario,
        data_dir=data_dir,
        explicit_model=explicit_cost_model,
        refit=refit,
        allow_unconverged=allow_unconverged,
        progress=progress,
        log=say,
    )
    failure = convergence_failure(cost.diagnostics)
    if failure is not None:
        warnings += (failure,)
    fell_back = cost.model != scenario.run.cost_model  # then the first warning says so
    if fell_back:
        scenario = scenario.with_settings(cost_model=cost.model)
    scenario, dropped = drop_unpriced_methods(scenario, cost)
    if dropped is not None:  # one event with a fallback to Table 1, one warning
        warnings = (f"{warnings[0]}; {dropped}", *warnings[1:]) if fell_back else (*warnings, dropped)
    say(f"simulating {scenario.run.draws:,} draws...")
    simulation = simulate(scenario, cost.fte, scenario.run.seed, fte_by_year=cost.fte_by_year, years=cost.years)
    check_finite(simulation, scenario)
    say("decision analysis: exceedance, break-even, tornado, Sobol indices, value of information...")
    model = model_of(scenario, cost.fte, cost.fte_by_year, cost.years)
    decision = decide(scenario, model, simulation, swing, thresholds)
    say("summarising...")
    summary = build_summary(scenario, cost, simulation, decision, swing, requested_toml)
    return RunResult(scenario, cost, simulation, decision, summary, tuple(warnings), requested_toml)


def fit(
    mode: Mode | None = None,
    *,
    target_year: int | str | None = None,
    data_dir: Path | None = None,
    refit: bool = False,
    allow_unconverged: bool = False,
    progress: bool = False,
    sample: Path | None = None,
    save: Path | str | None = None,
    references: str | Path = "sample",
) -> FitResult:
    """Fit the Bayesian cost model to the sample in ``mode`` and summarise it (``mcvalue fit``).

    Parameters
    ----------
    mode : str, optional
        The sample's data mode (None: ``"clean"``, :data:`mcvalue.priors.settings.DEFAULT_MODE`).
    data_dir : pathlib.Path, optional
        Where the paper's data files are (default: the usual search).
    refit, allow_unconverged, progress : bool
        Ignore the posterior cache; carry on past failed convergence checks; show progress.
    sample : pathlib.Path, optional
        A directory written by :func:`collect_sample` to fit instead of the paper's sample
        (mode ``corrected`` or ``clean``); the posterior cache keys on its data.
    save : pathlib.Path or str, optional
        Also write the posterior (ArviZ 1 ``DataTree``, NetCDF) to this file, atomically
        (an existing file is replaced); read it back with ``arviz.from_netcdf``.
    target_year : int or str, optional
        The year the FTE is predicted for (a year, a string of digits, or "average";
        None: 2021); it changes the derived FTE only, never the posterior.
    references : str or pathlib.Path
        Where the reference repositories' windows come from (``--references``): "sample",
        "paper" or a collected sample's directory (:mod:`mcvalue.costmodels.references`).
        A method whose reference is in none of them has no FTE (NaN, named in the warnings).

    Returns
    -------
    FitResult
        The ``--json`` record (diagnostics, posterior FTE per method beside the paper,
        the point figures and the bootstrap, hyperparameters, PPC p-values and misfits;
        ``.to_dict()``, ``.to_df()``: one row per method) and ``.posterior``, the
        posterior it made (ArviZ 1 ``DataTree``).

    Examples
    --------
    >>> import mcvalue
    >>> record = mcvalue.fit("clean")  # doctest: +SKIP
    >>> print(mcvalue.text.render_fit(record))  # doctest: +SKIP
    >>> record.to_df()  # doctest: +SKIP
    >>> record.posterior["posterior"]  # doctest: +SKIP
    """
    import numpy as np

    from mcvalue.config import DEFAULT_SEED
    from mcvalue.costmodels import priced_methods
    from mcvalue.costmodels.pymc.fit import fit_cost_model
    from mcvalue.costmodels.pymc.summary import fit_summary
    from mcvalue.costmodels.references import load_references, unpriced_line
    from mcvalue.data import load_sample
    from mcvalue.priors.edit import parse_target_year
    from mcvalue.priors.settings import DEFAULT_MODE
    from mcvalue.priors.spec import DEFAULT_TARGET_YEAR
    from mcvalue.vocab.paper import TABLE1_KEYS

    year = DEFAULT_TARGET_YEAR if target_year is None else parse_target_year(target_year)
    target = None if save is None else _save_target(Path(save))
    loaded = load_sample(mode=mode or DEFAULT_MODE, data_dir=data_dir, sample=sample)
    loaded, record = load_references(str(references), loaded, mode or DEFAULT_MODE, data_dir, None, sample is not None)
    result = fit_cost_model(loaded, refit=refit, progress=progress, allow_unconverged=allow_unconverged, target_year=year)
    if target is not None:
        _write_netcdf(result.idata, target)
    summary = fit_summary(loaded, result, np.random.default_rng(DEFAULT_SEED))
    unpriced = [key for key in TABLE1_KEYS if key not in priced_methods(np.asarray(result.fte, dtype=float))]
    if unpriced:
        summary["warnings"] = [*summary.get("warnings", []), unpriced_line(unpriced, record)]
    from mcvalue.result import FitResult

    return FitResult({**summary, "references": record}, posterior=result.idata)


def _save_target(path: Path) -> Path:
    """Check, before any work, that ``save`` names a file in an existing directory."""
    if path.is_dir():
        raise McValueError(f"{{save}}: {path} is a directory; give a file name, e.g. {path / 'posterior.nc'}", parameters=("save",))
    if not path.parent.is_dir():
        raise McValueError(f"{{save}}: directory {path.parent} does not exist", parameters=("save",))
    return path


def _write_netcdf(idata: Any, path: Path) -> None:
    """Write a posterior to ``path`` through a temporary file renamed into place."""
    import os

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        idata.to_netcdf(str(tmp), engine="h5netcdf")
        os.replace(tmp, path)
    except OSError as error:
        raise McValueError(f"{{save}}: cannot write {path}: {error.strerror or error}", parameters=("save",)) from None
    finally:
        tmp.unlink(missing_ok=True)


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
    from mcvalue.result import Table1Result

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
    from mcvalue.result import AuditReport

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


#: The most bytes of a run.json a comparison reads (a run's is under 2 KB).
_MAX_RUN_RECORD_BYTES = 1024 * 1024


def _side(side: Path | str, results_dir: Path, data_dir: Path | None, log: Log) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return a label, summary, resolved priors and machine for one side of a comparison.

    A side is a run directory, a run's name in ``results_dir``, or a prior file (a path or
    a shipped name) run now without writing anything (on this machine).
    """
    import json
    import tomllib

    from mcvalue.comparison import machine_of
    from mcvalue.io.files import FileRefused, read_regular
    from mcvalue.priors.load import load_scenario, shipped_names
    from mcvalue.report.rundir import read_summary

    path = Path(side)
    if not path.exists() and (results_dir / path).is_dir() and len(path.parts) == 1:
        path = results_dir / path
    if path.is_dir():
        from mcvalue.comparison import check_summary
        from mcvalue.report.rundir import SUMMARY_FILE

        summary = check_summary(read_summary(path), str(path / SUMMARY_FILE))
        priors_file = path / "priors.toml"
        try:
            priors = tomllib.loads(priors_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise McValueError(f"{priors_file}: cannot read the run's resolved priors ({error})") from None
        try:  # run.json only says which machine: a run without a readable one (missing, not a file, damaged) is an unknown machine
            record = json.loads(read_regular(path / "run.json", _MAX_RUN_RECORD_BYTES).decode("utf-8"))
        except (FileRefused, OSError, UnicodeDecodeError, ValueError, RecursionError):
            record = None
        return path.name, summary, priors, machine_of(summary, record)
    if path.is_file() or str(side) in shipped_names():
        from mcvalue.config import cpu_model

        log(f"running {side} (nothing is written)...")
        scenario = load_scenario(path if path.is_file() else str(side))
        summary = run(scenario, data_dir=data_dir, log=log).summary()
        return path.name, summary, tomllib.loads(scenario.resolved_toml), machine_of(summary, {"cpu": cpu_model()})
    raise McValueError(f"{side}: no such run directory, run name in {results_dir} or prior file")


def compare(
    *sides: Path | str, results_dir: Path | str = "results", data_dir: Path | None = None, log: Log | None = None
) -> Comparison:
    """Compare two or more runs: run directories, run names in ``results_dir``, or prior files run first (nothing is written).

    Parameters
    ----------
    *sides : pathlib.Path or str
        At least two: a run directory, the name of a run in ``results_dir``, or a prior
        file (a path or a shipped name such as ``"paper"``), which is run now.
    results_dir : pathlib.Path or str
        Where run names are looked up.
    data_dir : pathlib.Path, optional
        Data for prior files that are run.
    log : callable, optional
        Progress lines.

    Returns
    -------
    Comparison
        :func:`mcvalue.comparison.compare_runs`: headline rows side by side with the change
        against the first run and why each moved, every difference of the resolved
        scenarios, provenance and machines (what the user changed apart from what differs
        for other reasons: cost fit, data, libraries, machine), and each run's exceedance
        curve; ``.to_dict()`` is the JSON, ``.to_df()`` the table.

    Raises
    ------
    McValueError
        Fewer than two sides, or a side that is neither a run nor a prior file.

    Examples
    --------
    >>> import mcvalue
    >>> print(mcvalue.text.render_comparison(mcvalue.compare("reference", "priors/mine.toml")))  # doctest: +SKIP
    """
    from mcvalue.comparison import compare_runs

    if len(sides) < 2:
        raise McValueError(f"compare needs at least two runs or prior files, got {len(sides)}")
    say = log or silent
    found = [_side(side, Path(results_dir), data_dir, say) for side in sides]
    labels = [label for label, _, _, _ in found]
    if len(set(labels)) < len(labels):
        labels = [str(side) for side in sides]
    return compare_runs(labels, [f[1] for f in found], [f[2] for f in found], [f[3] for f in found])


def to_json(record: Any) -> str:
    r"""Return a record as strict JSON text for ``--json`` outputs (6 significant figures).

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.to_json({"median": 67.81234567})
    '{\n  "median": 67.8123\n}\n'
    """
    from mcvalue.io.jsontext import dumps

    return dumps(record)

