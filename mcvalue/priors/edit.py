"""Changing one prior or a run setting of a resolved :class:`~mcvalue.priors.spec.Scenario`.

The public entry points are the methods :meth:`Scenario.with_prior` and
:meth:`Scenario.with_settings`, which call these functions. A prior is replaced in a copy
of the scenario's resolved document (:class:`~mcvalue.priors.document.Document`) and the
whole document validated again, so a table given in code is checked by exactly the code
and messages that check a prior file; a setting is checked here and written into the
document's ``[cost]`` / ``[run]`` / ``[data]``. Either way the ``priors.toml`` rendered
beside a report stays exactly what was run, and no TOML text is parsed back.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.base import suggest
from mcvalue.priors.resolve import build_scenario, resolved_document
from mcvalue.priors.settings import (
    BASES,
    COST_MODELS,
    MIN_DRAWS,
    MODES,
    OPTIONAL_QUANTITIES,
    QUANTITIES,
    STOCK_QUANTITIES,
    TREND_STRUCTURES,
    CleaningOptions,
    DataSettings,
    basis_problem,
    target_year_problem,
    trend_structure_problem,
)

if TYPE_CHECKING:  # the scenario's methods call these functions: it imports this module, not the reverse
    from mcvalue.priors.spec import Scenario

#: Names ``with_prior`` accepts: every quantity (the stock rates too) and the costing methods' weights.
PRIOR_NAMES: tuple[str, ...] = QUANTITIES + STOCK_QUANTITIES + OPTIONAL_QUANTITIES + ("cost.method_weights", "benefit.method_weights")


def with_prior(scenario: Scenario, name: str, table: dict[str, Any]) -> Scenario:
    """Return ``scenario`` with the prior ``name`` replaced by ``table`` (see :meth:`Scenario.with_prior`)."""
    if name not in PRIOR_NAMES:
        raise PriorFileError([f"{name}: unknown quantity{suggest(name, PRIOR_NAMES)}; known: {', '.join(PRIOR_NAMES)}"])
    if not isinstance(table, dict):
        raise PriorFileError([f"{name}: expected a table (a dict of the keys a prior file would hold), got {table!r}"])
    if not scenario.document:
        raise McValueError("with_prior: this scenario was built in code, not loaded from a prior file")
    merged = scenario.document.to_dict()
    section, key = name.split(".")
    merged[section][key] = dict(table)
    header = scenario.document.header + f"# then with_prior({name})\n"
    edited = build_scenario(merged, lambda loc: "", header, scenario.path, scenario.sha256, type(scenario))
    # the sample is a setting kept out of the TOML (a machine's path): it stays with the scenario
    return edited if scenario.data.sample is None else edited.with_settings(sample=scenario.data.sample)


def _check_count(option: str, value: Any, least: int, what: str) -> None:
    """Refuse a non-integer (booleans included) or one below ``least``, naming the option."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise McValueError(f"{option}: expected an integer, got {value!r}")
    if value < least:
        raise McValueError(f"{option}: {what}, got {value}")


def parse_target_year(value: Any) -> int | str:
    """Return a target year (an integer year in :data:`TARGET_YEARS`, or "average"); McValueError naming the option.

    Strings of digits (the command line's ``--target-year 2022``) are read as years.
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    problem = target_year_problem(value)
    if problem is not None:
        raise McValueError(f"target_year: {problem}")
    return cast(int | str, value)  # target_year_problem accepted it: a year or "average"


def check_choice[T: str](option: str, value: Any, choices: tuple[T, ...], what: str) -> T:
    """Return the choice ``value`` names; refuse a value outside ``choices``, naming the option and the closest choice."""
    if value not in choices:
        hint = suggest(value, choices) if isinstance(value, str) else ""
        raise McValueError(f"{option}: unknown {what} {value!r}{hint}; choose one of {', '.join(choices)}")
    return choices[choices.index(value)]


def _population_size(population: tuple[str, int]) -> int:
    """Check a stated population (name, N): a non-empty name and N a positive integer; McValueError naming ``population``."""
    name, size = population
    if not str(name).strip() or isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise McValueError(f"population: give a name and a positive number of tools, got {population!r}")
    return size


def with_settings(
    scenario: Scenario,
    draws: int | None = None,
    seed: int | None = None,
    mode: str | None = None,
    cost_model: str | None = None,
    sample: str | Path | None = None,
    target_year: int | str | None = None,
    basis: str | None = None,
    references: str | Path | None = None,
    population: tuple[str, int] | None = None,
    trend_structure: str | None = None,
) -> Scenario:
    """Return ``scenario`` with the given run and data settings (see :meth:`Scenario.with_settings`).

    A new cost basis changes which quantities are drawn, so the scenario is then built
    again from its resolved document (a scenario built in code keeps its quantities).
    """
    if draws is not None:
        _check_count("draws", draws, MIN_DRAWS, f"need at least {MIN_DRAWS} draws")
    if seed is not None:
        _check_count("seed", seed, 0, "must be a non-negative integer")
    chosen_mode = None if mode is None else check_choice("mode", mode, MODES, "mode")
    if cost_model is not None:
        check_choice("cost_model", cost_model, COST_MODELS, "cost model")
    if target_year is not None:
        target_year = parse_target_year(target_year)
    if basis is not None:
        check_choice("basis", basis, BASES, "cost basis")
    if trend_structure is not None:
        check_choice("trend_structure", trend_structure, TREND_STRUCTURES, "trend structure")
    if references is not None:
        references = str(references)
        if not references.strip():
            raise McValueError("references: give sample, paper or the directory of a collected sample")
    settings = (
        ("draws", draws), ("seed", seed), ("cost_model", cost_model), ("target_year", target_year), ("basis", basis),
        ("references", references), ("trend_structure", trend_structure),
        *(() if population is None else (("population", str(population[0])), ("population_size", _population_size(population)))),
    )
    given = {k: v for k, v in settings if v is not None}
    run = replace(scenario.run, **given)
    problem = basis_problem(run) or trend_structure_problem(run)
    if problem is not None:
        raise McValueError(problem)
    data = scenario.data
    if chosen_mode is not None and chosen_mode != data.mode:
        data = DataSettings(mode=chosen_mode, cleaning=CleaningOptions.for_mode(chosen_mode), sample=data.sample)
    if sample is not None:
        data = replace(data, sample=Path(sample))
    if data.sample is not None and data.mode == "paper":
        raise McValueError("sample: a collected sample has no paper mode (the authors' flat CSV); use mode corrected or clean")
    if run == scenario.run and data == scenario.data:
        return scenario
    # A scenario built in code has an empty document: its record is then the settings alone.
    document = resolved_document(scenario.document.to_dict(), data, run, scenario.document.header)
    if run.basis != scenario.run.basis and scenario.document:
        rebuilt = build_scenario(document.to_dict(), lambda loc: "", document.header, scenario.path, scenario.sha256, type(scenario))
        return replace(rebuilt, data=data)
    return replace(scenario, run=run, data=data, document=document)
