"""From a merged prior dict to a :class:`~mcvalue.priors.spec.Scenario`.

Shared by :func:`mcvalue.priors.load.load_scenario` (a file and its ``extends`` chain) and
the scenario edits of :mod:`mcvalue.priors.edit` (a quantity or a setting replaced), so
both validate with the same code and messages and write the same resolved TOML.
"""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import tomli_w

from mcvalue.errors import PriorFileError
from mcvalue.priors.messages import validate
from mcvalue.priors.sections import CostSection, DataSection, RunSection
from mcvalue.priors.spec import CleaningOptions, DataSettings, RunSettings, Scenario


def data_settings(section: DataSection) -> DataSettings:
    """Return the mode (clean by default) and its cleaning options, explicit options overriding."""
    mode = section.mode or "clean"
    cleaning = CleaningOptions.for_mode(mode)
    switches = ("exclude_bots", "merge_duplicate_repos", "drop_overlapping_windows")
    explicit = {k: getattr(section, k) for k in switches if getattr(section, k) is not None}
    if section.extra_bots is not None:
        explicit["extra_bots"] = tuple(section.extra_bots)
    return DataSettings(mode=mode, cleaning=replace(cleaning, **explicit))


def run_settings(section: RunSection, cost: CostSection) -> RunSettings:
    """Return draws, seed, cost model and target year, with RunSettings' defaults for what the file leaves out."""
    given = {k: getattr(section, k) for k in ("draws", "seed", "cost_model") if getattr(section, k) is not None}
    if cost.target_year is not None:
        given["target_year"] = cost.target_year
    return RunSettings(**given)


def resolved_toml(merged: dict, data: DataSettings, run: RunSettings, header: str) -> str:
    """Return the merged file with the effective [data], [run] and [cost] target_year, as TOML a user can re-load.

    ``header`` is comment lines saying where the text came from; they name files only, so
    the text (and its sha256 in summary.json) does not depend on where files live.
    """
    body = {k: v for k, v in merged.items() if k not in ("data", "run")}
    body["cost"] = {**merged.get("cost", {}), "target_year": run.target_year}
    body["data"] = {"mode": data.mode, **data.cleaning.to_dict()}
    body["run"] = {"draws": run.draws, "seed": run.seed, "cost_model": run.cost_model}
    return header + tomli_w.dumps(body)


def comment_header(text: str) -> str:
    """Return the leading ``#`` comment lines of a resolved TOML text (its provenance)."""
    lines = text.splitlines(keepends=True)
    kept = []
    for line in lines:
        if not line.startswith("#"):
            break
        kept.append(line)
    return "".join(kept)


def build_scenario(
    merged: dict, file_of: Callable[[tuple], str], header: str, path: Path | None, sha256: str | None
) -> Scenario:
    """Validate a merged prior dict and resolve it into a Scenario.

    Parameters
    ----------
    merged : dict
        A complete prior file as parsed TOML, ``extends`` already followed.
    file_of : callable
        Maps a pydantic location to the file name problems there are reported against.
    header : str
        Comment lines for the top of the resolved TOML.
    path, sha256 : Path or None, str or None
        The file the scenario was loaded from and the sha256 of its bytes.

    Raises
    ------
    PriorFileError
        Listing every problem, one ``FILE: dotted.key: what is wrong`` line each.

    """
    prior, problems = validate(merged, file_of)
    if problems:
        raise PriorFileError(problems)
    data, run = data_settings(prior.data), run_settings(prior.run, prior.cost)
    return Scenario(
        quantities=prior.quantities(),
        method_weights=prior.cost.method_weights.as_dict(),
        correlations={(c.between[0], c.between[1]): c.rho for c in prior.correlations},
        data=data,
        run=run,
        path=path,
        sha256=sha256,
        resolved_toml=resolved_toml(merged, data, run, header),
        labels=prior.labels(),
    )
