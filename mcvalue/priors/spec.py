"""The validated, resolved scenario a prior file describes: what every later stage reads.

A prior file (TOML) is validated and resolved (``extends`` followed, overrides applied)
into a :class:`Scenario`; nothing downstream reads TOML. The names and settings a
scenario is made of are defined in :mod:`mcvalue.priors.settings` and re-exported here.

The quantity names (the prior file's dotted keys) are listed in :mod:`mcvalue.priors.settings`.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcvalue.priors import edit
from mcvalue.priors.document import Document
from mcvalue.priors.settings import (
    AVERAGE_TARGET,
    BASES,
    BENEFIT_METHOD_INPUT,
    BENEFIT_METHOD_KEYS,
    BENEFIT_METHOD_QUANTITIES,
    BENEFIT_METHODS,
    BENEFIT_QUANTITIES,
    COST_MODELS,
    COST_QUANTITIES,
    DEFAULT_BASIS,
    DEFAULT_STOCK_START,
    DEFAULT_TARGET_YEAR,
    MIN_DRAWS,
    MODES,
    OPTIONAL_QUANTITIES,
    QUANTITIES,
    STOCK_QUANTITIES,
    TARGET_YEARS,
    TREND_STRUCTURES,
    CleaningOptions,
    DataSettings,
    Distribution,
    Mode,
    RunSettings,
    basis_problem,
    drawn_quantities,
    target_year_problem,
    trend_structure_problem,
)

#: The names of :mod:`mcvalue.priors.settings` are re-exported: every later stage imports them from here.
__all__ = [
    "AVERAGE_TARGET",
    "BASES",
    "BENEFIT_METHOD_INPUT",
    "BENEFIT_METHOD_KEYS",
    "BENEFIT_METHOD_QUANTITIES",
    "BENEFIT_METHODS",
    "BENEFIT_QUANTITIES",
    "COST_MODELS",
    "COST_QUANTITIES",
    "DEFAULT_BASIS",
    "DEFAULT_STOCK_START",
    "DEFAULT_TARGET_YEAR",
    "MIN_DRAWS",
    "MODES",
    "OPTIONAL_QUANTITIES",
    "QUANTITIES",
    "STOCK_QUANTITIES",
    "TARGET_YEARS",
    "TREND_STRUCTURES",
    "CleaningOptions",
    "DataSettings",
    "Distribution",
    "Mode",
    "RunSettings",
    "basis_problem",
    "drawn_quantities",
    "target_year_problem",
    "trend_structure_problem",
    "Scenario",
]


@dataclass(frozen=True)
class Scenario:
    """Everything one prior file says, resolved and validated.

    Build one with :func:`mcvalue.load_scenario`; change it with :meth:`with_prior` and
    :meth:`with_settings`, which return a new scenario (this one is frozen).

    Attributes
    ----------
    quantities : dict
        Each prior quantity (dotted key) -> its validated distribution.
    method_weights, correlations : dict
        Weights over the costing methods; Spearman rank correlations between quantities.
    data, run : DataSettings, RunSettings
        The data mode, cleaning and collected sample (if any); draws, seed and cost model.
    document : Document
        The fully resolved prior file (every table, the effective settings), read-only;
        empty for a scenario built in code. :attr:`resolved_toml` renders it.
    labels : dict
        Quantity (dotted key) -> the short ``label`` its table gives; see :meth:`label`.
    benefit_weights : dict
        Weights over the benefit methods (:data:`BENEFIT_METHOD_KEYS`); the paper's chain
        alone unless the file has ``[benefit.method_weights]``.

    Examples
    --------
    >>> import mcvalue
    >>> scenario = mcvalue.load_scenario("default").with_settings(draws=10_000, seed=1)
    >>> scenario.run.draws, scenario.data.mode
    (10000, 'clean')
    """

    quantities: dict[str, Distribution]
    method_weights: dict[str, float]
    correlations: dict[tuple[str, str], float]
    data: DataSettings
    run: RunSettings
    path: Path | None = None
    sha256: str | None = None
    document: Document = field(default_factory=Document)
    labels: dict[str, str] = field(default_factory=dict)
    benefit_weights: dict[str, float] = field(default_factory=lambda: {"chain": 1.0})

    @property
    def resolved_toml(self) -> str:
        """The resolved prior file as TOML text, rendered from :attr:`document`: what priors.toml holds and summary.json hashes.

        Examples
        --------
        >>> from mcvalue.priors.load import load_scenario
        >>> load_scenario("paper").resolved_toml.splitlines()[:3]
        ['# resolved from paper.toml', '[cost]', 'target_year = "average"']
        """
        return self.document.render()

    def label(self, name: str) -> str:
        """Return what figures and tables call an input: its ``label``, else a readable form of its key.

        Examples
        --------
        >>> from mcvalue.priors.load import load_scenario
        >>> load_scenario("default").label("benefit.haircut")
        'Haircut for optimistic sources'
        >>> Scenario({}, {}, {}, DataSettings(), RunSettings()).label("fte.commits_pytorch")
        'FTE, commits_pytorch'
        """
        if name in self.labels:
            return self.labels[name]
        if name.startswith("fte."):
            from mcvalue.vocab.display import fte_name

            return fte_name(name[4:])
        return name.rsplit(".", 1)[-1].replace("_", " ")

    def with_prior(self, name: str, table: dict[str, Any]) -> "Scenario":
        """Return this scenario with one prior replaced, validated as a prior file's table would be.

        Parameters
        ----------
        name : str
            A quantity (e.g. ``"benefit.ai_value_usd"``, see :data:`QUANTITIES`),
            ``"cost.method_weights"`` or ``"benefit.method_weights"``.
        table : dict
            What that table of a prior file would hold, e.g.
            ``{"dist": "lognormal", "ci90": [3e12, 5e12], "source": "..."}``; it replaces
            the current table whole, as in an extending file.

        Returns
        -------
        Scenario
            A new scenario; its ``document`` carries the new table, so the ``priors.toml``
            written beside a report is what was run. ``path`` and ``sha256`` still name
            the file the scenario was first loaded from.

        Raises
        ------
        PriorFileError
            One line per problem naming the key, e.g. ``benefit.haircut: ...``, with the
            messages a prior file gets.
        McValueError
            If the scenario was built in code (it has no resolved document to validate in).

        Examples
        --------
        >>> from mcvalue.priors.load import load_scenario
        >>> wider = load_scenario("default").with_prior("benefit.haircut", {"dist": "point", "value": 0.5})
        >>> float(wider.quantities["benefit.haircut"].mean())
        0.5

        """
        return edit.with_prior(self, name, table)

    def with_settings(
        self,
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
    ) -> "Scenario":
        """Return this scenario with new run or data settings; None keeps a setting.

        Parameters
        ----------
        draws : int, optional
            Monte Carlo draws, at least :data:`MIN_DRAWS` (20).
        seed : int, optional
            Seed of the run's generators, non-negative.
        mode : str, optional
            The sample's mode, one of :data:`MODES`; a new mode brings its own cleaning
            options (:meth:`CleaningOptions.for_mode`), replacing any the file set.
        cost_model : str, optional
            One of :data:`COST_MODELS`.
        sample : str or pathlib.Path, optional
            A directory written by ``mcvalue data collect``, used instead of the paper's
            sample (modes ``corrected`` and ``clean`` only; see :class:`DataSettings`).
        target_year : int or "average", optional
            The year the cost model's FTE is predicted for (within :data:`TARGET_YEARS`),
            or ``"average"``; written as ``[cost] target_year``.
        basis : str, optional
            The cost basis, one of :data:`BASES`; written as ``[cost] basis``. Switching
            it re-validates the resolved priors, since "stock" draws the
            :data:`STOCK_QUANTITIES` as well.
        references : str or pathlib.Path, optional
            Where the reference repositories' windows come from: ``"sample"``, ``"paper"``
            or a collected sample's directory; written as ``[cost] references``
            (:mod:`mcvalue.costmodels.references`).
        population : (str, int), optional
            The population (name, number of tools) ``cost.coverage`` is about; written as
            ``[cost] population`` and ``population_size``. A run refuses a sample drawn
            from another (:mod:`mcvalue.costmodels.population`).
        trend_structure : str, optional
            The pymc cost model's time-trend structure, one of :data:`TREND_STRUCTURES`
            (:mod:`mcvalue.costmodels.pymc.trends`); written as ``[cost] trend_structure``.
            Another than the default needs the pymc cost model (:func:`trend_structure_problem`).

        Returns
        -------
        Scenario
            The same scenario object when nothing changes, else a new one whose
            ``document`` has the new ``[run]``, ``[data]`` and ``[cost]`` settings.

        Raises
        ------
        McValueError
            One line naming the option, e.g. ``draws: need at least 20 draws, got 1``, or
            the settings a stock cannot be built with (:func:`basis_problem`).
        PriorFileError
            A switch to "stock" whose resolved priors lack a stock quantity.

        Examples
        --------
        >>> from mcvalue.priors.load import load_scenario
        >>> quick = load_scenario("default").with_settings(draws=1000, cost_model="table1")
        >>> quick.run.draws, quick.run.cost_model
        (1000, 'table1')

        """
        return edit.with_settings(
            self, draws=draws, seed=seed, mode=mode, cost_model=cost_model, target_year=target_year, sample=sample, basis=basis,
            references=references, population=population, trend_structure=trend_structure,
        )
