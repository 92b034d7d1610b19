"""The names and settings a scenario is made of: quantities, modes, cost models, run and data settings.

They sit below validation (:mod:`mcvalue.priors.resolve` and the modules it uses import
them) and below :class:`mcvalue.priors.spec.Scenario`, which re-exports them, so the
scenario can re-validate itself (:meth:`~mcvalue.priors.spec.Scenario.with_prior`)
without an import cycle.

Quantity names are dotted keys of the prior file:

    cost.salary_usd                fully loaded cost of one FTE-year, USD
    cost.fte_fraction_contributor  FTE fraction of one active contributor (contributors method)
    cost.fte_fraction_reference    FTE fraction of one reference-repo contributor (commits/lines methods)
    cost.coverage                  MLOSS universe / sample (>= 1)
    benefit.ai_value_usd           AI value per year, USD
    benefit.haircut                cut for the sources' strong assumptions (paper: 0.1)
    benefit.attribution_share      algorithms' slice of AI value (70-20-10 rule: 0.1)
    benefit.mloss_share            MLOSS share of the algorithms slice (paper: 1)

plus ``cost.method_weights``: weights over :data:`mcvalue.vocab.paper.METHOD_KEYS`, and
``benefit.method_weights``: weights over the benefit methods :data:`BENEFIT_METHOD_KEYS`,
whose own quantities (:data:`BENEFIT_METHOD_QUANTITIES`) are drawn when a file gives them. Under
``[cost] basis = "stock"`` (see :data:`BASES`) two more are drawn:

    cost.depreciation_rate         annual depreciation rate d of the stock of MLOSS
    cost.discount_rate             real annual discount rate r of its user cost (r + d) x stock
"""

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from mcvalue.config import DEFAULT_SEED
from mcvalue.vocab.display import BENEFIT_METHOD_INPUT as BENEFIT_METHOD_INPUT  # the benefit-method choice as an input (its index into BENEFIT_METHOD_KEYS)

#: Which sample a scenario uses; defined here (not in :mod:`mcvalue.data`) because the
#: flow is priors -> scenario -> data: the data layer reads these, priors never import it.
Mode = Literal["paper", "corrected", "clean"]
MODES: tuple[Mode, ...] = ("paper", "corrected", "clean")
#: The data mode of a scenario, ``mcvalue fit`` and ``mcvalue calibrate`` unless a prior
#: file or ``--mode`` says otherwise: the raw parse, cleaned.
DEFAULT_MODE: Mode = "clean"

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
#: The benefit methods and the quantities each multiplies, in ``[benefit.method_weights]`` order:
#: "chain" is the paper's (AI value x haircut x algorithms' share x MLOSS share); "market"
#: starts from the AI market measured in the target year instead of a forecast potential;
#: "time_saved" prices the working time ML open source saves its users (docs/benefit.md).
BENEFIT_METHODS: dict[str, tuple[str, ...]] = {
    "chain": BENEFIT_QUANTITIES,
    "market": ("benefit.ai_market_usd", "benefit.value_per_spend", "benefit.attribution_share", "benefit.mloss_share"),
    "time_saved": (
        "benefit.developers",
        "benefit.mloss_user_share",
        "benefit.time_saved_share",
        "benefit.practitioner_wage_usd",
    ),
}
BENEFIT_METHOD_KEYS: tuple[str, ...] = tuple(BENEFIT_METHODS)
#: The benefit methods' quantities beyond the chain's: optional in a file, required when their method has weight.
BENEFIT_METHOD_QUANTITIES: tuple[str, ...] = tuple(
    dict.fromkeys(q for names in BENEFIT_METHODS.values() for q in names if q not in BENEFIT_QUANTITIES)
)
#: Quantities drawn only when the cost basis is "stock": they price the stock's annual user cost.
STOCK_QUANTITIES: tuple[str, ...] = ("cost.depreciation_rate", "cost.discount_rate")
#: Quantities drawn when a file gives them: the activity threshold per six months of the
#: ``activity_threshold`` costing method (required when that method has weight; see
#: :mod:`mcvalue.costmodels.threshold`), and the benefit methods' own quantities
#: (:data:`BENEFIT_METHOD_QUANTITIES`). A file without them (the paper's) leaves those methods unpriced.
OPTIONAL_QUANTITIES: tuple[str, ...] = ("cost.activity_threshold", *BENEFIT_METHOD_QUANTITIES)
CostModel = Literal["pymc", "bootstrap", "table1"]
COST_MODELS: tuple[CostModel, ...] = ("pymc", "bootstrap", "table1")
#: ``[cost] references``: where the reference repositories' contributor-periods, which turn
#: the commits and lines methods' units into FTE, come from (besides a path to a separately
#: collected sample). "sample": the sample's own pytorch/pytorch and tensorflow/tensorflow
#: windows (for the paper's sample, the scrape's); "paper": the paper's reference windows
#: from the shipped scrape, whatever the sample. See :mod:`mcvalue.costmodels.references`.
REFERENCE_SOURCES: tuple[str, ...] = ("sample", "paper")
DEFAULT_REFERENCES = "sample"
#: The population the paper's sample was drawn from, as ``[cost] population`` names it: the
#: paper's tool list of 139 MLOps tools (section 3.1). Its coverage prior is about it.
PAPER_POPULATION = "paper-139"
PAPER_POPULATION_SIZE = 139


class Distribution(Protocol):
    """A univariate marginal: its quantile function and a sampler driven only by the generator given."""

    @property
    def source(self) -> str | None:
        """Where the numbers come from, as the prior file says (``None`` when it says nothing)."""
        ...

    def ppf(self, q: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Quantile function of the (possibly truncated) marginal, vectorised."""
        ...

    def sample(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
        """``n`` independent draws, using only ``rng``."""
        ...

    def mean(self) -> float:
        """Mean of the marginal (``inf`` where it has none that is finite)."""
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
        on = mode == DEFAULT_MODE
        return cls(exclude_bots=on, merge_duplicate_repos=on, drop_overlapping_windows=on, correct_top100=on)

    def to_dict(self) -> dict[str, bool | list[str]]:
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


def target_year_problem(value: object) -> str | None:
    """Say why ``value`` is not a target year (a year in :data:`TARGET_YEARS` or ``"average"``), or return None.

    One check for ``--target-year`` and ``[cost] target_year`` alike.

    Examples
    --------
    >>> target_year_problem(2021), target_year_problem(1999)
    (None, "expected a year from 2005 to 2030 or 'average', got 1999")
    """
    lo, hi = TARGET_YEARS
    if value == AVERAGE_TARGET or (isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi):
        return None
    return f"expected a year from {lo} to {hi} or {AVERAGE_TARGET!r}, got {value!r}"


#: ``[cost] basis``: "flow" prices the target year's development activity (FTE x salary);
#: "stock" prices the annual user cost of the depreciated stock of MLOSS built since
#: ``[cost] stock_start``: (discount rate + depreciation rate) x stock x salary.
Basis = Literal["flow", "stock"]
BASES: tuple[Basis, ...] = ("flow", "stock")
DEFAULT_BASIS = "flow"
#: The first year counted in the stock: 90% of the sampled windows date from 2016.4 on;
#: earlier years are extrapolations of repo trends (the model knows no creation dates).
DEFAULT_STOCK_START = 2016


#: ``[cost] trend_structure``: how the pymc cost model's time trends carry the FTE to the
#: target year (:mod:`mcvalue.costmodels.pymc.trends` defines each; docs/calibrate.md and
#: results/calibration/forecast.json compare them). The default, "repo trends", is the
#: structure the rule in docs/calibrate.md chooses.
TrendStructure = Literal["repo trends", "global trend", "pooled slopes", "no extrapolation"]
TREND_STRUCTURES: tuple[TrendStructure, ...] = ("repo trends", "global trend", "pooled slopes", "no extrapolation")
DEFAULT_TREND_STRUCTURE: TrendStructure = "repo trends"


def drawn_quantities(basis: str) -> tuple[str, ...]:
    """Return the quantities a run with this cost basis draws: QUANTITIES, plus STOCK_QUANTITIES under "stock"."""
    return QUANTITIES + (STOCK_QUANTITIES if basis == "stock" else ())


#: The fewest Monte Carlo draws a run accepts, from ``--draws`` and from a prior file's ``[run] draws``
#: alike. One draw has no spread (every interval a point, every MCSE 0), and the value of
#: information splits the draws into 20 batches for its standard errors
#: (:func:`mcvalue.decision.value_of_information`): fewer draws leave a batch empty, a NaN
#: standard error and a Python warning.
MIN_DRAWS = 20
#: The Monte Carlo draws of a run unless a prior file's ``[run] draws`` or ``--draws`` says otherwise.
DEFAULT_DRAWS = 200_000


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

    mode: Mode = DEFAULT_MODE
    cleaning: CleaningOptions = field(default_factory=lambda: CleaningOptions.for_mode(DEFAULT_MODE))
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
    ``references`` (``[cost] references``) is where the reference repositories' windows come
    from: one of :data:`REFERENCE_SOURCES` or a collected sample's directory.
    ``population`` and ``population_size`` (``[cost] population``, ``[cost] population_size``)
    name the repository list, of that many tools, that ``cost.coverage`` scales up to all
    MLOSS; a run refuses a sample drawn from another population.
    ``trend_structure`` (``[cost] trend_structure``) is the pymc cost model's time-trend
    structure, one of :data:`TREND_STRUCTURES`.
    """

    draws: int = DEFAULT_DRAWS
    seed: int = DEFAULT_SEED
    cost_model: str = "pymc"
    target_year: int | str = DEFAULT_TARGET_YEAR
    basis: str = DEFAULT_BASIS
    stock_start: int = DEFAULT_STOCK_START
    references: str = DEFAULT_REFERENCES
    population: str = PAPER_POPULATION
    population_size: int = PAPER_POPULATION_SIZE
    trend_structure: str = DEFAULT_TREND_STRUCTURE

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


def trend_structure_problem(run: RunSettings) -> str | None:
    """Return why the run's trend structure cannot be used with its cost model, or None.

    Only the pymc cost model has time trends; the bootstrap and Table 1 would ignore any
    other structure than the default, so naming one with them is refused.
    """
    if run.trend_structure == DEFAULT_TREND_STRUCTURE or run.cost_model == "pymc":
        return None
    return (
        f"[cost] trend_structure = {run.trend_structure!r} applies to the pymc cost model's time trends; the {run.cost_model} "
        f"cost model has none (use cost model pymc, or trend_structure = {DEFAULT_TREND_STRUCTURE!r})"
    )


def defaults_problem(run: RunSettings | None = None, mode: str = DEFAULT_MODE) -> str | None:
    """Say which default setting fails the check a prior file's value must pass, or return None.

    The defaults are defined once, here and in :mod:`mcvalue.config`; this checks them
    with the same rules as ``[data]``, ``[run]`` and ``[cost]`` values, and is called when
    this module is imported, so a wrong default can never reach a run.

    Parameters
    ----------
    run : RunSettings, optional
        The run settings to check (None: the defaults, ``RunSettings()``).
    mode : str
        The data mode to check (default: :data:`DEFAULT_MODE`).

    Examples
    --------
    >>> defaults_problem() is None
    True
    >>> defaults_problem(RunSettings(draws=5))
    'DEFAULT_DRAWS: 5 is below MIN_DRAWS = 20'
    """
    run = RunSettings() if run is None else run
    checks = {
        "DEFAULT_MODE": None if mode in MODES else f"{mode!r} is not one of {MODES}",
        "DEFAULT_DRAWS": None if run.draws >= MIN_DRAWS else f"{run.draws} is below MIN_DRAWS = {MIN_DRAWS}",
        "DEFAULT_SEED": None if 0 <= run.seed < 2**32 else f"{run.seed} is not a seed in [0, 2**32)",
        "DEFAULT_TARGET_YEAR": target_year_problem(run.target_year),
        "DEFAULT_BASIS": None if run.basis in BASES else f"{run.basis!r} is not one of {BASES}",
        "DEFAULT_TREND_STRUCTURE": None if run.trend_structure in TREND_STRUCTURES else f"{run.trend_structure!r} is not one of {TREND_STRUCTURES}",
        "cost_model": None if run.cost_model in COST_MODELS else f"{run.cost_model!r} is not one of {COST_MODELS}",
        "DEFAULT_STOCK_START": basis_problem(replace(run, basis="stock")),
    }
    return next((f"{name}: {problem}" for name, problem in checks.items() if problem is not None), None)


if (_problem := defaults_problem()) is not None:
    raise ValueError(f"mcvalue.priors.settings: a default setting is invalid: {_problem}")
