"""A run's results on disk: ``results/<name>/`` with report.md, summary.json, run.json,
priors.toml and figures/*.png.

``summary.json`` holds only what the inputs determine (no name, path or clock time), so
identical inputs give identical bytes; ``run.json`` holds the rest. Everything is
written into a hidden temporary directory beside the target (``.<name>.*.partial``) and
renamed into place at the end, so a run that fails or is killed midway never leaves a
directory that looks complete, and an existing run directory is never written into.
"""

import datetime as _dt
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import mcvalue
from mcvalue.errors import McValueError, RunExistsError
from mcvalue.methods import METHOD_KEYS, METHODS, METHODS_BY_KEY, PAPER_BENEFIT_USD
from mcvalue.plots import usd
from mcvalue.priors.spec import QUANTITIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mcvalue.pipeline import RunResult

#: The paper's chain (section 3.2): $3T AI value, cut by 10, 10% to algorithms, all of it MLOSS.
PAPER_BENEFIT_CHAIN: tuple[tuple[str, float], ...] = (
    ("benefit.ai_value_usd", 3e12),
    ("benefit.haircut", 0.1),
    ("benefit.attribution_share", 0.1),
    ("benefit.mloss_share", 1.0),
)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DIGITS = 6


# ---------------------------------------------------------------- summary.json


def jsonable(value: Any, digits: int = _DIGITS) -> Any:
    """Plain JSON types from numpy values inside dicts/lists; floats to ``digits`` significant figures, non-finite to None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), digits)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return float(f"{x:.{digits}g}") if np.isfinite(x) else None
    return value


def _block(stats: dict) -> dict:
    """One summarise_draws block in summary.json's shape: mean, median, intervals, mcse."""
    out = {
        "mean": stats["mean"],
        "median": stats["median"],
        "intervals": {**stats["intervals"], "hdi90": stats["hdi90"]},
        "mcse": {"mean": stats["mean_mcse"], "quantiles": stats["quantile_mcse"]},
    }
    if "p_above" in stats:
        out["p_above"] = stats["p_above"]
    return out


def _inputs(result: "RunResult") -> dict:
    """Each prior quantity's p5 / median / p95 and source, and the cost model's FTE per method."""
    probs = np.array([0.05, 0.5, 0.95])
    out = {}
    for name in QUANTITIES:
        dist = result.scenario.quantities[name]
        p5, median, p95 = (float(v) for v in dist.ppf(probs))
        out[name] = {"distribution": dist.describe(), "p5": p5, "median": median, "p95": p95, "source": dist.source}
    for j, key in enumerate(METHOD_KEYS):
        p5, median, p95 = np.quantile(result.cost.fte[:, j], probs)
        out[f"fte.{key}"] = {
            "distribution": f"{result.cost.model} draws",
            "p5": p5,
            "median": median,
            "p95": p95,
            "source": result.cost.description,
        }
    return out


def _provenance(result: "RunResult") -> dict:
    """What produced these numbers: versions, seed, draws, priors and data hashes."""
    scenario, data = result.scenario, result.cost.data
    return {
        "package_version": mcvalue.__version__,
        "seed": scenario.run.seed,
        "draws": scenario.run.draws,
        "cost_model": result.cost.model,
        "priors_sha256": scenario.sha256,
        "resolved_priors_sha256": hashlib.sha256(scenario.resolved_toml.encode("utf-8")).hexdigest(),
        "data_mode": data["mode"] if data is not None else None,
        "cleaning": data["cleaning"] if data is not None else None,
        "data_files_sha256": data["file_sha256"] if data is not None else {},
        "swing": list(result.tornado.swing),
    }


def build_summary(result: "RunResult", core: dict) -> dict:
    """summary.json's content from a run and :func:`mcvalue.summarise.summarise`'s output.

    Keys: bcr, cost_usd, benefit_usd, methods, sensitivity, diagnostics, inputs, provenance
    (documented in the README). Deterministic: no name, path or clock time.
    """
    from mcvalue.sensitivity import sensitivity_dict

    weights = result.scenario.method_weights
    methods = {
        key: {
            "weight": float(weights.get(key, 0.0)),
            "paper_cost_usd": METHODS_BY_KEY[key].paper_cost_per_year,
            "cost_usd": _block(core["methods"][key]["cost_usd"]),
            "bcr": _block(core["methods"][key]["bcr"]),
        }
        for key in METHOD_KEYS
    }
    summary = {
        "bcr": _block(core["bcr"]),
        "cost_usd": _block(core["cost_usd"]),
        "benefit_usd": _block(core["benefit_usd"]),
        "methods": methods,
        "sensitivity": sensitivity_dict(result.tornado, result.shares),
        "diagnostics": result.cost.diagnostics,
        "inputs": _inputs(result),
        "provenance": _provenance(result),
    }
    return jsonable(summary)


def summary_bytes(summary: dict) -> bytes:
    """The exact bytes of summary.json (stable key order, 2-space indent, final newline)."""
    return (json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


# ---------------------------------------------------------------- figures


def _interval_table(stats_by_row: dict[str, dict], paper: dict[str, float]) -> "Any":
    """A forest-plot table from summary blocks: median, 50% and 90% ends, paper point."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "method": row,
                "median": s["median"],
                "p5": s["intervals"]["90"][0],
                "p25": s["intervals"]["50"][0],
                "p75": s["intervals"]["50"][1],
                "p95": s["intervals"]["90"][1],
                "paper": paper[row],
            }
            for row, s in stats_by_row.items()
        ]
    )


def benefit_chain_table(inputs: dict[str, np.ndarray]) -> "Any":
    """The benefit chain as cumulative products of the draws: AI value, x haircut, ..."""
    import pandas as pd

    rows, running, paper_running = [], None, 1.0
    for name, paper_value in PAPER_BENEFIT_CHAIN:
        draws = np.asarray(inputs[name], dtype=float)
        running = draws if running is None else running * draws
        paper_running *= paper_value
        lo, hi = np.quantile(draws, [0.05, 0.95])
        short = name.split(".", 1)[1]
        step = "AI value" if running is draws else f"x {short} (90%: {lo:.3g}-{hi:.3g})"
        p5, median, p95 = np.quantile(running, [0.05, 0.5, 0.95])
        rows.append({"step": step, "p5": p5, "median": median, "p95": p95, "paper": paper_running})
    return pd.DataFrame(rows)


def draw_figures(result: "RunResult") -> dict[str, "Axes"]:
    """Every figure of a report, by file stem, as Axes (not yet saved)."""
    from mcvalue import plots
    from mcvalue.sensitivity import input_labels

    summary = result.summary
    figures = {
        "bcr": plots.bcr_distribution(result.simulation.bcr, summary["bcr"]["intervals"]["90"]),
        "cost_by_method": plots.cost_forest(
            _interval_table(
                {k: summary["methods"][k]["cost_usd"] for k in METHOD_KEYS},
                {m.key: m.paper_cost_per_year for m in METHODS},
            )
        ),
        "benefit_chain": plots.benefit_chain(benefit_chain_table(result.simulation.inputs)),
        "tornado": plots.tornado(result.tornado),
        "variance_shares": plots.variance_shares(
            result.shares, input_labels([n for n, _ in result.shares.shares], result.cost.model)
        ),
    }
    return figures


def ppc_figures(idata: Any, sample: Any, seed: int) -> dict[str, bytes]:
    """The Bayesian fit's posterior predictive checks as PNG bytes, one ECDF panel per quantity.

    Rendered once per fit (the cost side caches them with its draws), from ``seed``.
    """
    from mcvalue import plots
    from mcvalue.costmodels import ppc
    from mcvalue.costmodels.pymc_model import model_data_from_sample, repo_params
    from mcvalue.fit import PPC_REPLICATES, posterior_draws
    from mcvalue.simulate import child_rng

    params = repo_params(posterior_draws(idata))
    checks = ppc.posterior_predictive(params, model_data_from_sample(sample), PPC_REPLICATES, child_rng(seed, "__ppc__"))
    figures = {}
    for quantity in ppc.QUANTITIES:
        ax = plots.new_axes(5.5, 3.5)
        ppc.plot_ppc(checks.observed[quantity], checks.replicated[quantity], quantity, ax=ax)
        ax.set_title(f"Posterior predictive check: {quantity}")
        buffer = io.BytesIO()
        _save(ax, buffer)
        figures[f"ppc_{quantity}"] = buffer.getvalue()
    return figures


def _save(ax: "Axes", path: "Path | io.BytesIO") -> None:
    """Save an Axes' figure as PNG without the (version-dependent) Software tag."""
    ax.figure.savefig(path, format="png", dpi=110, metadata={"Software": None})


# ---------------------------------------------------------------- report.md


def _num(x: float | str | None) -> str:
    """A ratio or fraction to three significant figures (labels pass through)."""
    if isinstance(x, str):
        return x
    return "n/a" if x is None else f"{x:.3g}"


def _interval(pair: Sequence[float | None], fmt) -> str:
    return f"[{fmt(pair[0])}, {fmt(pair[1])}]"


def _prob(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.3f}"


def headline(summary: dict) -> str:
    """The report's first sentence: median BCR, its 90% interval and P(BCR > 100) against 100:1."""
    bcr = summary["bcr"]
    lo, hi = bcr["intervals"]["90"]
    p100 = bcr["p_above"]["100"]["p"]
    text = (
        f"The median benefit-cost ratio of ML open source software is **{_num(bcr['median'])}:1** "
        f"(90% interval {_num(lo)} to {_num(hi)}), and P(BCR > 100) = **{_prob(p100)}**, "
        f"against the paper's claim of at least 100:1."
    )
    diagnostics = summary["diagnostics"]
    if diagnostics.get("cost_model") == "table1":
        text += " The cost side is the paper's published Table 1 figures, not a fit to the sample."
    failure = convergence_failure(diagnostics)
    if failure is not None:
        text += f" **{failure[0].upper()}{failure[1:]}**: the cost side and every ratio above may be wrong."
    return text


def convergence_failure(diagnostics: dict) -> str | None:
    """For a fit that failed its convergence checks (run anyway), what failed; else None."""
    if diagnostics.get("converged") is not False:
        return None
    w = diagnostics.get("worst") or {}
    worst = (
        f"; worst: {w['parameter']} has {w['figure']} = {w['value']:.4g}, threshold {w['threshold']:g}"
        if {"parameter", "figure", "value", "threshold"} <= set(w)
        else ""
    )
    return f"the Bayesian cost model failed its convergence checks (run with --allow-unconverged{worst})"


def _summary_rows(summary: dict) -> list[str]:
    """The cost / benefit / BCR table."""
    rows = [
        "| quantity | paper | median | 50% | 90% | 95% | HDI 90% | mean | MCSE of median |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, key, fmt, paper in (
        ("cost per year (USD)", "cost_usd", usd, "$122M-$300M"),
        ("benefit per year (USD)", "benefit_usd", usd, usd(PAPER_BENEFIT_USD)),
        ("benefit-cost ratio", "bcr", _num, ">= 100"),
    ):
        s = summary[key]
        iv = s["intervals"]
        rows.append(
            f"| {label} | {paper} | {fmt(s['median'])} | {_interval(iv['50'], fmt)} | {_interval(iv['90'], fmt)} "
            f"| {_interval(iv['95'], fmt)} | {_interval(iv['hdi90'], fmt)} | {fmt(s['mean'])} | {fmt(s['mcse']['quantiles']['0.5'])} |"
        )
    return rows


def _tail_rows(summary: dict) -> list[str]:
    rows = ["| threshold | P(BCR > threshold) | MCSE |", "|---|---|---|"]
    for t, v in summary["bcr"]["p_above"].items():
        rows.append(f"| {t} | {_prob(v['p'])} | {_num(v['mcse'])} |")
    return rows


def _method_rows(summary: dict) -> list[str]:
    rows = [
        "| method | weight | paper cost/yr | our cost/yr: median | 90% interval | paper BCR | our BCR: median | 90% interval | P(BCR > 100) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, m in summary["methods"].items():
        c, b = m["cost_usd"], m["bcr"]
        rows.append(
            f"| {key} | {m['weight']:.2f} | {usd(m['paper_cost_usd'])} | {usd(c['median'])} | {_interval(c['intervals']['90'], usd)} "
            f"| {_num(PAPER_BENEFIT_USD / m['paper_cost_usd'])} | {_num(b['median'])} | {_interval(b['intervals']['90'], _num)} "
            f"| {_prob(b['p_above']['100']['p'])} |"
        )
    return rows


def _input_rows(summary: dict) -> list[str]:
    rows = ["| input | distribution | p5 | median | p95 | source |", "|---|---|---|---|---|---|"]
    for name, v in summary["inputs"].items():
        fmt = usd if name.endswith("_usd") else _num
        source = (v["source"] or "").replace("|", "\\|")
        rows.append(f"| {name} | {v['distribution']} | {fmt(v['p5'])} | {fmt(v['median'])} | {fmt(v['p95'])} | {source} |")
    return rows


def _sensitivity_rows(summary: dict) -> list[str]:
    """The tornado and variance-share tables with the sentences that say how they were made."""
    from mcvalue.sensitivity import describe_swing, input_labels, swing_percentiles

    t = summary["sensitivity"]["tornado"]
    lo, hi = swing_percentiles(t["swing"])
    rows = [
        f"Tornado: {describe_swing(t['swing'], t['base_bcr'], t['base_method'])}. Widest first. "
        "An input that only another costing method uses has a bar of zero width here: "
        "one-at-a-time swings cannot see it, the variance shares below do.",
        "",
        f"| input | value at p{lo} | value at p{hi} | BCR at p{lo} | BCR at p{hi} |",
        "|---|---|---|---|---|",
    ]
    for b in t["bars"]:
        fmt = usd if b["input"].endswith("_usd") else _num
        rows.append(f"| {b['label']} | {fmt(b['value_low'])} | {fmt(b['value_high'])} | {_num(b['bcr_low'])} | {_num(b['bcr_high'])} |")
    v = summary["sensitivity"]["variance_shares"]
    labels = input_labels([s["input"] for s in v["shares"]], summary["diagnostics"].get("cost_model", "cost model"))
    rows += ["", f"Variance shares of log(BCR) (var = {_num(v['var_log_bcr'])}; method: {v['method']}).", ""]
    rows += ["| input | share |", "|---|---|"] + [f"| {labels[s['input']]} | {100 * s['share']:.1f}% |" for s in v["shares"]]
    return rows


def _kv_rows(d: dict) -> list[str]:
    rows = ["| key | value |", "|---|---|"]
    for k, v in d.items():
        rows.append(f"| {k} | {json.dumps(v) if isinstance(v, (dict, list)) else 'n/a' if v is None else v} |")
    return rows


def render_markdown(summary: dict, figures: Sequence[str], warnings: Sequence[str] = ()) -> str:
    """report.md's text from summary.json's content and the figure file stems."""
    lines = ["# mcvalue report", "", headline(summary), ""]
    lines += [f"> warning: {w}" for w in warnings] + ([""] if warnings else [])
    lines += ["## Cost, benefit and benefit-cost ratio", ""] + _summary_rows(summary) + [""] + _tail_rows(summary)
    lines += ["", "![BCR distribution](figures/bcr.png)", ""]
    lines += ["## The five Table 1 costing methods", ""] + _method_rows(summary)
    lines += ["", "![Cost per year by method](figures/cost_by_method.png)", ""]
    lines += ["## Benefit chain", "", "![Benefit chain](figures/benefit_chain.png)", ""]
    lines += ["## What drives the result", ""] + _sensitivity_rows(summary)
    lines += ["", "![Tornado](figures/tornado.png)", "", "![Variance shares](figures/variance_shares.png)", ""]
    lines += ["## Inputs", ""] + _input_rows(summary) + [""]
    lines += ["## Diagnostics", ""] + _kv_rows(summary["diagnostics"]) + [""]
    lines += [f"![{stem}](figures/{stem}.png)" for stem in figures if stem.startswith("ppc")]
    lines += ["", "## Provenance", ""] + _kv_rows(summary["provenance"]) + [""]
    lines += ["The fully resolved priors used are in `priors.toml`; run name, time and command line in `run.json`.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- the run directory


def default_name(now: _dt.datetime | None = None) -> str:
    """A timestamp run name, e.g. ``20260123-142501``."""
    return (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def check_target(results_dir: Path, name: str) -> Path:
    """The run directory for ``name``; RunExistsError if it exists, McValueError if the name is unsafe."""
    if not _NAME.match(name):
        raise McValueError(f"--name: {name!r} is not a valid run name (letters, digits, '.', '_', '-'; no leading '.')")
    target = Path(results_dir) / name
    if target.exists():
        raise RunExistsError(f"run directory {target} already exists; choose another --name or remove it")
    return target


def write_run(
    result: "RunResult", results_dir: Path = Path("results"), name: str | None = None, command: Sequence[str] | None = None
) -> Path:
    """Write the run directory atomically and return its path.

    Without ``name`` the current time names the run (suffixed ``-2``, ``-3`` ... if taken).
    """
    results_dir = Path(results_dir)
    if name is None:
        base = name = default_name()
        k = 2
        while (results_dir / name).exists():
            name, k = f"{base}-{k}", k + 1
    target = check_target(results_dir, name)
    make_results_dir(results_dir)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=results_dir))
    except OSError as error:
        raise McValueError(f"--results-dir: cannot write into {results_dir} ({error.strerror or error})") from error
    try:
        _write_contents(staging, result, target, name, command)
        if target.exists():
            raise RunExistsError(f"run directory {target} appeared while writing; this run was not saved")
        os.rename(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise McValueError(f"cannot write run directory {target} ({error.strerror or error}); nothing was saved") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def make_results_dir(results_dir: Path) -> None:
    """Create the directory that holds run directories; a user error if that is impossible."""
    try:
        Path(results_dir).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise McValueError(f"--results-dir: cannot create {results_dir} ({error.strerror or error})") from error


def _write_contents(directory: Path, result: "RunResult", target: Path, name: str, command: Sequence[str] | None) -> None:
    """Every file of a run, into ``directory`` (report.md last)."""
    (directory / "summary.json").write_bytes(summary_bytes(result.summary))
    (directory / "priors.toml").write_text(result.scenario.resolved_toml, encoding="utf-8")
    run_record = {
        "name": name,
        "path": str(target.resolve()),
        "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": list(sys.argv if command is None else command),
        "warnings": list(result.warnings),
    }
    (directory / "run.json").write_text(json.dumps(run_record, indent=2) + "\n", encoding="utf-8")
    figures_dir = directory / "figures"
    figures_dir.mkdir()
    figures = draw_figures(result)
    for stem, ax in figures.items():
        _save(ax, figures_dir / f"{stem}.png")
    for stem, png in result.cost.figures.items():
        (figures_dir / f"{stem}.png").write_bytes(png)
    stems = list(figures) + list(result.cost.figures)
    (directory / "report.md").write_text(render_markdown(result.summary, stems, result.warnings), encoding="utf-8")
