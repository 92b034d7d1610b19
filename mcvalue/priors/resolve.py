"""From a merged prior dict to a :class:`~mcvalue.priors.spec.Scenario`.

Shared by :func:`mcvalue.priors.load.load_scenario` (a file and its ``extends`` chain) and
the scenario edits of :mod:`mcvalue.priors.edit` (a quantity or a setting replaced), so
both validate with the same code and messages and keep the same resolved
:class:`~mcvalue.priors.document.Document`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mcvalue.errors import PriorFileError
from mcvalue.priors.base import Loc, Table
from mcvalue.priors.document import Document
from mcvalue.priors.messages import validate
from mcvalue.priors.sections import CostSection, DataSection, RunSection
from mcvalue.priors.settings import (
    DEFAULT_MODE,
    OPTIONAL_QUANTITIES,
    CleaningOptions,
    DataSettings,
    RunSettings,
    basis_problem,
    drawn_quantities,
    trend_structure_problem,
)

if TYPE_CHECKING:
    from mcvalue.priors.spec import Scenario


#: The ``[cost]`` keys that are run settings (:class:`RunSettings` fields), not quantities.
COST_SETTINGS: tuple[str, ...] = ("target_year", "basis", "stock_start", "references", "population", "population_size", "trend_structure")


def data_settings(section: DataSection) -> DataSettings:
    """Return the mode (clean by default) and its cleaning options, explicit options overriding."""
    mode = section.mode or DEFAULT_MODE
    cleaning = CleaningOptions.for_mode(mode)
    switches = ("exclude_bots", "merge_duplicate_repos", "drop_overlapping_windows", "correct_top100")
    explicit = {k: getattr(section, k) for k in switches if getattr(section, k) is not None}
    if section.extra_bots is not None:
        explicit["extra_bots"] = tuple(section.extra_bots)
    return DataSettings(mode=mode, cleaning=replace(cleaning, **explicit))


def run_settings(section: RunSection, cost: CostSection) -> RunSettings:
    """Return draws, seed, cost model, target year and cost basis, with RunSettings' defaults for what the file leaves out."""
    given = {k: getattr(section, k) for k in ("draws", "seed", "cost_model") if getattr(section, k) is not None}
    given |= {k: getattr(cost, k) for k in COST_SETTINGS if getattr(cost, k) is not None}
    return RunSettings(**given)


def resolved_document(merged: Table, data: DataSettings, run: RunSettings, header: str) -> Document:
    """Return the merged file with the effective [data], [run] and [cost] settings, rendered as TOML a user can re-load.

    ``[cost]`` gets the effective settings of :data:`COST_SETTINGS`. ``header``
    is comment lines saying where the text came from; they name files only, so the text
    (and its sha256 in summary.json) does not depend on where files live.
    """
    body = {k: v for k, v in merged.items() if k not in ("data", "run")}
    settings = {k: getattr(run, k) for k in COST_SETTINGS}
    body["cost"] = {**merged.get("cost", {}), **settings}
    body["data"] = {"mode": data.mode, **data.cleaning.to_dict()}
    body["run"] = {"draws": run.draws, "seed": run.seed, "cost_model": run.cost_model}
    return Document(body, header)


def build_scenario(
    merged: Table, file_of: Callable[[Loc], str], header: str, path: Path | None, sha256: str | None, scenario_type: type[Scenario]
) -> Scenario:
    """Validate a merged prior dict and resolve it into a Scenario.

    Parameters
    ----------
    merged : dict
        A complete prior file as parsed TOML, ``extends`` already followed.
    file_of : callable
        Maps a pydantic location to the file name problems there are reported against.
    header : str
        Comment lines heading the resolved document's text.
    path, sha256 : Path or None, str or None
        The file the scenario was loaded from and the sha256 of its bytes.
    scenario_type : type
        :class:`~mcvalue.priors.spec.Scenario`, passed in because its methods call this
        function: the scenario module imports validation, never the reverse.

    Only the quantities the cost basis draws (:func:`~mcvalue.priors.spec.drawn_quantities`)
    become the scenario's quantities, and only the rank correlations between them: under
    "flow" the stock rates a file gives are not drawn.

    Raises
    ------
    PriorFileError
        Listing every problem, one ``FILE: dotted.key: what is wrong`` line each; under
        "stock" also a missing stock rate and settings a stock cannot be built with
        (:func:`~mcvalue.priors.spec.basis_problem`), against ``cost.basis``.

    """
    prior, problems = validate(merged, file_of)
    if prior is None:
        raise PriorFileError(problems)
    data, run = data_settings(prior.data), run_settings(prior.run, prior.cost)
    names = drawn_quantities(run.basis) + tuple(q for q in OPTIONAL_QUANTITIES if not prior.missing((q,)))
    problems = _basis_problems(prior.missing(names), basis_problem(run), file_of)
    if (trend_problem := trend_structure_problem(run)) is not None:
        file = file_of(("cost", "trend_structure"))
        problems.append(f"{file}: cost.trend_structure: {trend_problem}" if file else f"cost.trend_structure: {trend_problem}")
    if problems:
        raise PriorFileError(problems)
    return scenario_type(
        quantities=prior.quantities(names),
        method_weights=prior.cost.method_weights.as_dict(),
        benefit_weights=prior.benefit.method_weights.as_dict(),
        correlations={(c.between[0], c.between[1]): c.rho for c in prior.correlations if set(c.between) <= set(names)},
        data=data,
        run=run,
        path=path,
        sha256=sha256,
        document=resolved_document(merged, data, run, header),
        labels=prior.labels(names),
    )


def _basis_problems(missing: list[str], settings: str | None, file_of: Callable[[Loc], str]) -> list[str]:
    """Return one problem line per stock rate missing under "stock", and one for settings a stock cannot use."""
    located = [(tuple(name.split(".")), 'missing quantity: [cost] basis = "stock" draws it; give it a distribution') for name in missing]
    if settings is not None:
        located.append((("cost", "basis"), settings))
    lines = []
    for loc, text in located:
        key, file = ".".join(loc), file_of(loc)
        lines.append(f"{file}: {key}: {text}" if file else f"{key}: {text}")
    return lines
