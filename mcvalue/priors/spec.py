"""The validated, resolved scenario a prior file describes: what every later stage reads.

A prior file (TOML) is validated and resolved (``extends`` followed, overrides applied)
into a :class:`Scenario`; nothing downstream reads TOML.

Quantity names are dotted keys of the prior file:

    cost.salary_usd                fully loaded cost of one FTE-year, USD
    cost.fte_fraction_contributor  FTE fraction of one active contributor (contributors method)
    cost.fte_fraction_reference    FTE fraction of one reference-repo contributor (commits/lines methods)
    cost.coverage                  MLOSS universe / sample (>= 1)
    benefit.ai_value_usd           AI value per year, USD
    benefit.haircut                cut for the sources' strong assumptions (paper: 0.1)
    benefit.attribution_share      algorithms' slice of AI value (70-20-10 rule: 0.1)
    benefit.mloss_share            MLOSS share of the algorithms slice (paper: 1)

plus ``cost.method_weights``: weights over :data:`mcvalue.paper.METHOD_KEYS`. Under
``[cost] basis = "stock"`` (see :data:`BASES`) two more are drawn:

    cost.depreciation_rate         annual depreciation rate d of the stock of MLOSS
    cost.discount_rate             real annual discount rate r of its user cost (r + d) x stock
"""

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from mcvalue.config import DEFAULT_SEED

#: Which sample a scenario uses; defined here (not in :mod:`mcvalue.data`) because the
#: flow is priors -> scenario -> data: the data layer reads these, priors never import it.
Mode = Literal["paper", "corrected", "clean"]
MODES: tuple[str, ...] = ("paper", "corrected", "clean")

COST_QUANTITIES: tuple[str, ...] = (
    "cost.salary_usd",
    "cost.fte_fraction_contributor",
    "cost.fte_fraction_reference",
    "cost.coverage",
)
BENEFIT_QUANTITIES: tuple[str, ...] = (
    "benefit.ai_value_usd",
    "benefit.haircut",
    "benefit.attribution_share",
    "benefit.mloss_share",
)
QUANTITIES: tuple[str, ...] = COST_QUANTITIES + BENEFIT_QUANTITIES
#: Quantities drawn only when the cost basis is "stock": they price the stock's annual user cost.
STOCK_QUANTITIES: tuple[str, ...] = ("cost.depreciation_rate", "cost.discount_rate")
COST_MODELS: tuple[str, ...] = ("pymc", "bootstrap", "table1")


class Distribution(Protocol):
    """A univariate marginal: its quantile function and a sampler driven only by the generator given."""

    source: str | None

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Quantile function of the (possibly truncated) marginal, vectorised."""
        ...

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws, using only ``rng``."""
        ...

    def describe(self) -> str:
        """Short human form, e.g. ``lognormal(ci90=[1.5e5, 4e5])``."""
        ...


@dataclass(frozen=True)
class CleaningOptions:
    """Named corrections applied to the raw parse; all off = corrected mode."""

    exclude_bots: bool = False
    merge_duplicate_repos: bool = False
    drop_overlapping_windows: bool = False
    extra_bots: tuple[str, ...] = ()
    #: Treat the scrape's counts as lower bounds for repositories with more than 100
    #: authors (GitHub's page lists only the top 100): multiply each costing method's
    #: FTE draws by draws of the correction (:mod:`mcvalue.costmodels.topcut`). Applies
    #: to the paper's scrape only, never to a sample collected from git.
    correct_top100: bool = False

    @classmethod
    def for_mode(cls, mode: Mode) -> "CleaningOptions":
        """Return the options a mode implies: clean turns everything on, the others nothing."""
        on = mode == "clean"
        return cls(exclude_bots=on, merge_duplicate_repos=on, drop_overlapping_windows=on, correct_top100=on)

    def to_dict(self) -> dict:
        """Return the JSON-ready form recorded in every output."""
        d = asdict(self)
        d["extra_bots"] = list(self.extra_bots)
        return d


#: The default and the accepted range of ``[cost] target_year`` (besides ``"average"``):
#: 2021 is the last full year the paper's sample covers; years far outside the sampled
#: windows (2009-2022) would be extrapolations of the fitted trends.
DEFAULT_TARGET_YEAR = 2021
TARGET_YEARS: tuple[int, int] = (2005, 2030)
AVERAGE_TARGET = "average"

#: ``[cost] basis``: "flow" prices the target year's development activity (FTE x salary);
#: "stock" prices the annual user cost of the depreciated stock of MLOSS built since
#: ``[cost] stock_start``: (discount rate + depreciation rate) x stock x salary.
BASES: tuple[str, ...] = ("flow", "stock")
DEFAULT_BASIS = "flow"
#: The first year counted in the stock: 90% of the sampled windows date from 2016.4 on;
#: earlier years are extrapolations of repo trends (the model knows no creation dates).
DEFAULT_STOCK_START = 2016


def drawn_quantities(basis: str) -> tuple[str, ...]:
    """Return the quantities a run with this cost basis draws: QUANTITIES, plus STOCK_QUANTITIES under "stock"."""
    return QUANTITIES + (STOCK_QUANTITIES if basis == "stock" else ())


@dataclass(frozen=True)
class DataSettings:
    """Which sample to use: the mode, the cleaning options and, optionally, a collected sample.

    ``sample`` is a directory written by ``mcvalue data collect`` (``None``: the paper's
    scrape). It is a run setting like ``--data-dir``, not a key of prior files: it names a
    place on one machine, and the resolved priors (``priors.toml`` and its sha256 in
    summary.json) must not depend on where files live. What identifies the sample is its
    content: the sha256 of its manifest and tables, recorded in every summary's
    provenance and in the cost-side and posterior cache keys; the path goes to run.json
    and report.md.
    """

    mode: Mode = "clean"
    cleaning: CleaningOptions = field(default_factory=lambda: CleaningOptions.for_mode("clean"))
    sample: Path | None = None


@dataclass(frozen=True)
class RunSettings:
    """Monte Carlo settings: draw count, seed, the cost model supplying FTE draws, the cost basis.

    ``target_year`` (``[cost] target_year`` of a prior file) is the year whose development
    activity the Bayesian cost model's FTE describes, or ``"average"`` for the paper's
    long-run average over the sampled windows (2009-2022); see :data:`TARGET_YEARS`.
    ``basis`` and ``stock_start`` (``[cost] basis``, ``[cost] stock_start``) say what the
    cost is: this year's development (the flow), or the annual user cost of the stock
    built from ``stock_start`` to ``target_year`` (see :data:`BASES`).
    """

    draws: int = 200_000
    seed: int = DEFAULT_SEED
    cost_model: str = "pymc"
    target_year: int | str = DEFAULT_TARGET_YEAR
    basis: str = DEFAULT_BASIS
    stock_start: int = DEFAULT_STOCK_START

    def stock_years(self) -> tuple[int, ...]:
        """Return the years the stock holds, ``stock_start`` to ``target_year`` (empty under "flow")."""
        if self.basis != "stock":
            return ()
        return tuple(range(self.stock_start, int(self.target_year) + 1))


def basis_problem(run: RunSettings) -> str | None:
    """Return why the run's cost basis cannot be computed with its other settings, or None.

    A stock needs a year to be built up to (not ``"average"``), a first year no later than
    that, and yearly FTE, which only the pymc cost model's time trends give.
    """
    if run.basis != "stock":
        return None
    if run.target_year == AVERAGE_TARGET:
        return (
            '[cost] basis = "stock" needs a year to build the stock up to, but target_year = "average" is none '
            '(set target_year to a year such as 2021, or basis = "flow")'
        )
    if run.cost_model != "pymc":
        return (
            f'[cost] basis = "stock" needs the FTE of every year, from the pymc cost model\'s time trends; the {run.cost_model} '
            'cost model has no time model (use cost model pymc, or basis = "flow")'
        )
    if run.stock_start > int(run.target_year):
        return f"[cost] stock_start = {run.stock_start} is after target_year = {run.target_year}: the stock would hold no year"
    return None


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
    resolved_toml : str
        The fully resolved prior file, written as priors.toml beside a report.
    labels : dict
        Quantity (dotted key) -> the short ``label`` its table gives; see :meth:`label`.

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
    resolved_toml: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, name: str) -> str:
        """Return what figures and tables call an input: its ``label``, else a readable form of its key.

        Examples
        --------
        >>> from mcvalue.priors.load import load_scenario
        >>> load_scenario("default").label("benefit.haircut")
        'Haircut for optimistic sources'
        >>> Scenario({}, {}, {}, DataSettings(), RunSettings()).label("fte.commits_pytorch")
        'FTE (commits_pytorch)'
        """
        if name in self.labels:
            return self.labels[name]
        if name.startswith("fte."):
            return f"FTE ({name[4:]})"
        return name.rsplit(".", 1)[-1].replace("_", " ")

    def with_prior(self, name: str, table: dict[str, Any]) -> "Scenario":
        """Return this scenario with one prior replaced, validated as a prior file's table would be.

        Parameters
        ----------
        name : str
            A quantity (e.g. ``"benefit.ai_value_usd"``, see :data:`QUANTITIES`) or
            ``"cost.method_weights"``.
        table : dict
            What that table of a prior file would hold, e.g.
            ``{"dist": "lognormal", "ci90": [3e12, 5e12], "source": "..."}``; it replaces
            the current table whole, as in an extending file.

        Returns
        -------
        Scenario
            A new scenario; ``resolved_toml`` carries the new table, so the ``priors.toml``
            written beside a report is what was run. ``path`` and ``sha256`` still name
            the file the scenario was first loaded from.

        Raises
        ------
        PriorFileError
            One line per problem naming the key, e.g. ``benefit.haircut: ...``, with the
            messages a prior file gets.
        McValueError
            If the scenario was built in code (it has no resolved TOML to validate in).

        Examples
        --------
        >>> from mcvalue.priors.load import load_scenario
        >>> wider = load_scenario("default").with_prior("benefit.haircut", {"dist": "point", "value": 0.5})
        >>> float(wider.quantities["benefit.haircut"].mean())
        0.5

        """
        from mcvalue.priors.edit import with_prior  # edit validates, and validation imports this module

        return with_prior(self, name, table)

    def with_settings(
        self,
        draws: int | None = None,
        seed: int | None = None,
        mode: str | None = None,
        cost_model: str | None = None,
        sample: str | Path | None = None,
        target_year: int | str | None = None,
        basis: str | None = None,
    ) -> "Scenario":
        """Return this scenario with new run or data settings; None keeps a setting.

        Parameters
        ----------
        draws : int, optional
            Monte Carlo draws, at least 2.
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

        Returns
        -------
        Scenario
            The same scenario object when nothing changes, else a new one whose
            ``resolved_toml`` has the new ``[run]`` and ``[data]``.

        Raises
        ------
        McValueError
            One line naming the option, e.g. ``draws: need at least 2 draws, got 1``, or
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
        from mcvalue.priors.edit import with_settings  # edit validates, and validation imports this module

        return with_settings(
            self, draws=draws, seed=seed, mode=mode, cost_model=cost_model, target_year=target_year, sample=sample, basis=basis
        )
