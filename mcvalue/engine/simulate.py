"""Monte Carlo engine: prior draws + FTE draws -> cost, benefit and BCR draws.

    cost_m  = salary * FTE_m * coverage * fraction_m      (one column per costing method m;
              fraction_m = fte_fraction_contributor for the contributors method,
              fte_fraction_reference for the commits/lines methods, 1 for the
              activity-threshold method, whose min(activity / t, 1) is the fraction)
    cost    = cost_m of the method drawn for that draw, by the method weights
    benefit_b = one column per benefit method b (BENEFIT_METHOD_KEYS):
        chain:      ai_value * haircut * attribution_share * mloss_share        (the paper's)
        market:     ai_market * value_per_spend * attribution_share * mloss_share
        time_saved: developers * mloss_user_share * time_saved_share * practitioner_wage
    benefit = benefit_b of the benefit method drawn for that draw, by the benefit weights
    bcr     = benefit / cost

A draw's benefit method is an input like the others: its index into BENEFIT_METHOD_KEYS is
``inputs[BENEFIT_METHOD_INPUT]`` (absent: the chain), so the decision analysis can fix it.

FTE pool rows. The cost model's rows hold the five Table 1 methods' FTE and the
activity-threshold method's FTE on a grid of thresholds; the method's FTE of a draw is
that curve at the draw's ``cost.activity_threshold`` (:mod:`mcvalue.costmodels.threshold`),
so fixing the threshold (tornado, Sobol) re-evaluates it.

Cost basis (``[cost] basis``). Under "flow" FTE_m is the target year's FTE. Under "stock"
the annual user cost of the depreciated stock replaces it: with depreciation rate d,
discount rate r, target year T and the draw's FTE in each year y = stock_start..T,

    stock_m = sum_y FTE_m(y) * (1 - d)^(T - y)             (FTE-years, depreciated)
    cost_m  = salary * (r + d) * stock_m * coverage * fraction_m

One draw takes one row of the FTE pool for every year: a posterior draw is one trajectory.

Seeding: every random stream (each quantity, the rank-correlation scores, the FTE
resample, the costing-method and benefit-method mixtures) has its own child seed, ``SeedSequence(seed,
spawn_key=(crc32(name),))``. A stream therefore depends only on the run seed and its own
name, so adding, removing or editing one quantity leaves every other quantity's draws
unchanged.

Rank correlations are imposed by the Iman-Conover method (Iman & Conover 1982): a matrix
of normal scores is given the target correlation and each quantity's independent draws
are re-ordered to follow its column's ranks. The draws are only permuted, so each
marginal is kept exactly.
"""

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mcvalue.costmodels.threshold import POOL_WIDTH, TABLE1_COLUMNS
from mcvalue.costmodels.threshold import QUANTITY as THRESHOLD_QUANTITY
from mcvalue.costmodels.threshold import method_fte as pool_method_fte
from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.correlation import conflict_message, correlation_matrix, first_conflict, normal_scores_pearson
from mcvalue.priors.spec import BENEFIT_METHOD_INPUT, BENEFIT_METHOD_KEYS, BENEFIT_METHODS, STOCK_QUANTITIES, Scenario
from mcvalue.vocab.paper import METHOD_KEYS, METHODS

#: The stock rates (:data:`mcvalue.priors.spec.STOCK_QUANTITIES`), drawn only under basis "stock".
DEPRECIATION, DISCOUNT = STOCK_QUANTITIES

#: Names of the random streams that are not prior quantities (see :func:`child_rng`).
CORRELATION_STREAM = "__correlations__"
FTE_STREAM = "__fte__"
METHOD_STREAM = "__method__"
BENEFIT_STREAM = "__benefit_method__"

#: A run's peak memory over the float64 arrays its Simulation keeps (sorting copies, the
#: decision analysis's conditioning, temporaries). Measured 2.6 with the default priors
#: (peak RSS 323 MB at 200,000 draws, 684 MB at 1,000,000: 451 B per extra draw against
#: 184 B kept), rounded up.
WORKING_FACTOR = 3

#: Per method (METHOD_KEYS order): True when its FTE is priced per active contributor.
_CONTRIBUTOR_METHOD = np.array([m.unit == "contributors" for m in METHODS] + [False])
#: Per method: True when a reference repo's contributor-period prices its units (fte_fraction_reference applies).
_REFERENCE_METHOD = np.array([m.unit != "contributors" for m in METHODS] + [False])


@dataclass(frozen=True)
class Simulation:
    """The draws of one Monte Carlo run (all arrays have length ``n`` = draw count).

    inputs:          each prior quantity's draws (after any rank correlation), by name
    fte:             (n, POOL_WIDTH) FTE pool rows: the five Table 1 methods, then the
                     threshold method's curve; under basis "stock" the depreciated stock in
                     FTE-years, which the cost formula prices at (r + d) a year
    fte_by_method:   (n, 6) each method's FTE in METHOD_KEYS order (the threshold method's
                     curve at the draw's threshold; NaN for a method the sample cannot price)
    fte_row:         (n,) the row of the cost model's FTE pool each draw took (draws that
                     share a row share their FTE: Monte Carlo error must count rows)
    fte_pool_rows:   number of rows of that pool (m); rows are in the pool's own order
                     (chain-major for posterior draws), see :mod:`mcvalue.mcse`
    method_index:    (n,) index into METHOD_KEYS of the method each draw uses (mixture)
    cost_by_method:  (n, 6) cost per year in USD under each method
    cost, benefit, bcr: (n,) the mixture's cost, benefit and benefit-cost ratio
    seed:            the run seed every stream was derived from
    basis:           the cost basis, "flow" or "stock" (what ``fte`` holds)
    benefit_index:   (n,) index into BENEFIT_METHOD_KEYS of the benefit method each draw
                     uses (mixture); None: the chain in every draw
    benefit_by_method: (n, 3) benefit per year in USD under each benefit method (NaN for a
                     method whose quantities the scenario does not give); None: chain only
    """

    inputs: dict[str, np.ndarray]
    fte: np.ndarray
    fte_by_method: np.ndarray
    fte_row: np.ndarray
    fte_pool_rows: int
    method_index: np.ndarray
    cost_by_method: np.ndarray
    cost: np.ndarray
    benefit: np.ndarray
    bcr: np.ndarray
    seed: int
    basis: str = "flow"
    benefit_index: np.ndarray | None = None
    benefit_by_method: np.ndarray | None = None

    def model_inputs(self) -> dict[str, np.ndarray]:
        """Return the inputs the model reads: the prior quantities' draws and each draw's benefit method index."""
        if self.benefit_index is None:
            return dict(self.inputs)
        return {**self.inputs, BENEFIT_METHOD_INPUT: np.asarray(self.benefit_index, dtype=float)}


@dataclass(frozen=True)
class Outcomes:
    """What :func:`outcomes` computes; the shapes follow the inputs (see Simulation)."""

    fte_by_method: np.ndarray
    cost_by_method: np.ndarray
    cost: np.ndarray
    benefit: np.ndarray
    bcr: np.ndarray
    benefit_by_method: np.ndarray | None = None


def bytes_per_draw(scenario: Scenario) -> int:
    """Return the memory one Monte Carlo draw needs: the arrays a Simulation keeps, times WORKING_FACTOR.

    Kept per draw: one float64 per prior quantity, the FTE pool row (POOL_WIDTH), FTE and
    cost per method (2 x 6), benefit per benefit method (3), and the FTE row, method index,
    benefit method index, cost, benefit and BCR (6).
    """
    return 8 * (len(scenario.quantities) + POOL_WIDTH + 2 * len(METHOD_KEYS) + len(BENEFIT_METHOD_KEYS) + 6) * WORKING_FACTOR


def available_memory() -> int | None:
    """Return the bytes this process may still allocate (the least of the limits it can read), or None.

    Reads the kernel's MemAvailable, the cgroup's memory.max less memory.current, and the
    address-space limit (``ulimit -v``) less the current virtual size.
    """
    import resource

    limits = []
    meminfo = _read_fields("/proc/meminfo")
    if "MemAvailable" in meminfo:
        limits.append(meminfo["MemAvailable"] * 1024)
    cgroup_max, cgroup_now = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if cgroup_max is not None and cgroup_now is not None:
        limits.append(cgroup_max - cgroup_now)
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    vm_size = _read_fields("/proc/self/status").get("VmSize")
    if soft != resource.RLIM_INFINITY and vm_size is not None:
        limits.append(soft - vm_size * 1024)
    return max(0, min(limits)) if limits else None


def _read_int(path: str) -> int | None:
    """Return the integer a one-line kernel file holds, or None (absent, unreadable, "max")."""
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def _read_fields(path: str) -> dict[str, int]:
    """Return the ``Name: number [kB]`` lines of a /proc file as numbers (empty if unreadable)."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return {}
    out = {}
    for line in lines:
        name, _, rest = line.partition(":")
        value = rest.split()[0] if rest.split() else ""
        if value.isdigit():
            out[name] = int(value)
    return out


def check_memory(scenario: Scenario, available: int | None = None) -> None:
    """Refuse, before anything is sampled, a draw count whose arrays cannot fit in the memory available.

    Raises
    ------
    McValueError
        Naming ``--draws``, the memory the draws need and the largest draw count that fits.
    """
    available = available_memory() if available is None else available
    if available is None:
        return
    per_draw = bytes_per_draw(scenario)
    draws = scenario.run.draws
    if draws * per_draw > available:
        largest = available // per_draw
        raise McValueError(
            f"--draws: {draws:,} draws need about {draws * per_draw / 2**30:,.1f} GiB of memory but "
            f"{available / 2**30:,.1f} GiB is available; at most {largest:,} draws fit"
        )


def child_rng(seed: int, name: str) -> np.random.Generator:
    """Return the generator of the stream ``name`` under run seed ``seed``.

    The spawn key is the CRC-32 of the name, so the stream depends on nothing but
    ``seed`` and ``name`` (not on which other streams exist or their order).
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def draw_inputs(scenario: Scenario, n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` draws of every prior quantity, with the scenario's rank correlations imposed.

    Each quantity is drawn independently from its own child stream, then the quantities
    named in ``scenario.correlations`` are re-ordered jointly by Iman-Conover.
    """
    draws = {
        name: np.asarray(dist.sample(child_rng(seed, name), n), dtype=float)
        for name, dist in scenario.quantities.items()
    }
    if scenario.correlations:
        draws = impose_rank_correlation(
            draws, scenario.correlations, child_rng(seed, CORRELATION_STREAM), scenario.path
        )
    return draws


def correlated_scores(n: int, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, k) scores whose sample Pearson correlation is exactly ``target`` (k x k).

    Van der Waerden scores Phi^-1(i / (n + 1)) are shuffled per column (sample
    correlation E = Q Q^T), then multiplied by Q^-T P^T where P P^T = target, which
    turns E into target exactly (Iman & Conover's correction for the scores' own
    chance correlation).
    """
    from scipy.special import ndtri

    base = ndtri(np.arange(1, n + 1) / (n + 1))
    scores = np.column_stack([rng.permutation(base) for _ in range(target.shape[0])])
    chol_sample = np.linalg.cholesky(np.corrcoef(scores, rowvar=False))
    return scores @ np.linalg.solve(chol_sample.T, np.linalg.cholesky(target).T)


def impose_rank_correlation(
    draws: dict[str, np.ndarray],
    correlations: dict[tuple[str, str], float],
    rng: np.random.Generator,
    path: Path | None = None,
) -> dict[str, np.ndarray]:
    """Re-order the correlated quantities' draws so their Spearman correlations match.

    Iman-Conover: van der Waerden scores Phi^-1(i / (n + 1)), shuffled per column, are
    given exactly the Pearson correlation 2 sin(pi r / 6) (the normal-scores Pearson
    correlation whose Spearman correlation is r), then each quantity's sorted draws are
    placed at its column's ranks. Quantities not named in a correlation are untouched.
    Raises PriorFileError naming the pair that makes the target infeasible
    (:func:`mcvalue.priors.correlation.first_conflict`).
    """
    names = sorted({name for pair in correlations for name in pair})
    where = f"{path}: " if path is not None else ""
    unknown = [name for name in names if name not in draws]
    if unknown:
        raise PriorFileError([f"{where}correlations: unknown quantity {name!r}" for name in unknown])
    pairs = [(a, b, r) for (a, b), r in correlations.items()]
    bad = first_conflict(pairs)
    if bad is not None:
        raise PriorFileError([f"{where}correlations: {conflict_message(*pairs[bad])}"])
    target_pearson = normal_scores_pearson(correlation_matrix(names, pairs))
    correlated = correlated_scores(len(draws[names[0]]), target_pearson, rng)
    ranks = np.argsort(np.argsort(correlated, axis=0), axis=0)
    out = dict(draws)
    for j, name in enumerate(names):
        out[name] = np.sort(draws[name])[ranks[:, j]]
    return out


def depreciated_stock(
    fte_by_year: np.ndarray, ages: np.ndarray, depreciation: np.ndarray | float, rows: np.ndarray | None = None
) -> np.ndarray:
    r"""Return the depreciated stock, :math:`\sum_k F_{row, k} (1 - d)^{a_k}`, in FTE-years per method.

    Parameters
    ----------
    fte_by_year : numpy.ndarray
        ``(m, Y, 5)`` FTE of each pool row in each year of the stock.
    ages : numpy.ndarray
        ``(Y,)`` each year's age at the target year, ``T - y``.
    depreciation : float or numpy.ndarray
        The depreciation rate d: one value, or one per draw ``(n,)``.
    rows : numpy.ndarray, optional
        ``(n,)`` the pool row of each draw, the same row in every year; None: every row.

    Returns
    -------
    numpy.ndarray
        ``(n, 5)``, accumulated one year at a time (no ``(n, Y, 5)`` temporary).

    Examples
    --------
    >>> float(depreciated_stock(np.ones((1, 3, 5)), np.array([2, 1, 0]), 0.5)[0, 0])  # 0.25 + 0.5 + 1
    1.75
    """
    pool = np.asarray(fte_by_year, dtype=float)
    kept = 1.0 - np.asarray(depreciation, dtype=float)[..., None]
    stock = np.zeros((pool.shape[0] if rows is None else len(rows), pool.shape[2]))
    for k, age in enumerate(np.asarray(ages)):
        stock += (pool[:, k] if rows is None else pool[rows, k]) * kept**age
    return stock


def user_cost_rate(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """Return r + d: the stock's annual user cost per unit of stock (discount plus depreciation rate)."""
    return np.asarray(inputs[DISCOUNT], dtype=float) + np.asarray(inputs[DEPRECIATION], dtype=float)


def outcomes(inputs: dict[str, np.ndarray], fte: np.ndarray, method_index: np.ndarray, basis: str = "flow") -> Outcomes:
    """Cost per method, mixture cost, benefit and BCR from input arrays (the formulas above).

    Pure and vectorised: ``inputs`` maps each quantity to an array of length n (or a
    scalar), ``fte`` is (n, POOL_WIDTH) FTE pool rows, ``method_index`` is (n,). The
    threshold method's FTE is its curve at ``inputs["cost.activity_threshold"]`` (NaN when
    the scenario has none). Under ``basis`` "stock" ``fte`` is the depreciated stock,
    priced at :func:`user_cost_rate` x salary. Products are taken in the order the
    formulas are written, so point masses reproduce the paper's figures exactly.
    """
    fraction = np.where(
        _CONTRIBUTOR_METHOD,
        np.asarray(inputs["cost.fte_fraction_contributor"], dtype=float)[..., None],
        np.where(_REFERENCE_METHOD, np.asarray(inputs["cost.fte_fraction_reference"], dtype=float)[..., None], 1.0),
    )
    salary = np.asarray(inputs["cost.salary_usd"], dtype=float)[..., None]
    coverage = np.asarray(inputs["cost.coverage"], dtype=float)[..., None]
    fte_by_method = pool_method_fte(fte, inputs.get(THRESHOLD_QUANTITY))
    priced = user_cost_rate(inputs)[..., None] * fte_by_method if basis == "stock" else fte_by_method
    cost_by_method = salary * priced * coverage * fraction
    index = np.asarray(method_index)
    cost = np.take_along_axis(cost_by_method, index[:, None], axis=1)[:, 0]
    by_benefit = np.broadcast_to(benefit_by_method(inputs), (*cost.shape, len(BENEFIT_METHOD_KEYS)))
    chosen = inputs.get(BENEFIT_METHOD_INPUT)
    if chosen is None:
        benefit = by_benefit[:, 0].copy()
    else:
        which = np.broadcast_to(np.asarray(chosen), cost.shape).astype(np.int64)
        benefit = np.take_along_axis(by_benefit, which[:, None], axis=1)[:, 0]
    with np.errstate(divide="ignore"):
        bcr = benefit / cost
    return Outcomes(
        fte_by_method=fte_by_method,
        cost_by_method=cost_by_method,
        cost=cost,
        benefit=benefit,
        bcr=bcr,
        benefit_by_method=by_benefit,
    )


def benefit_by_method(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """Return the benefit per year under each benefit method, ``(..., 3)`` in BENEFIT_METHOD_KEYS order.

    Each method's benefit is the product of its quantities (:data:`BENEFIT_METHODS`),
    taken in the order they are listed, so the paper's point values give its $30B exactly;
    a method whose quantities ``inputs`` lacks is NaN.

    Examples
    --------
    >>> chain = {"benefit.ai_value_usd": 3e12, "benefit.haircut": 0.1, "benefit.attribution_share": 0.1, "benefit.mloss_share": 1.0}
    >>> benefit_by_method(chain).tolist()
    [30000000000.0, nan, nan]
    """
    columns = []
    for names in BENEFIT_METHODS.values():
        if all(name in inputs for name in names):
            value = np.asarray(inputs[names[0]], dtype=float)
            for name in names[1:]:
                value = value * np.asarray(inputs[name], dtype=float)
        else:
            value = np.asarray(np.nan)
        columns.append(value)
    columns = np.broadcast_arrays(*columns)
    return np.stack(columns, axis=-1)


@dataclass(frozen=True)
class Model:
    """The engine's model as one callable over arrays, with the FTE pool and method weights it draws from.

    What the decision analysis (:mod:`mcvalue.decision`) evaluates: ``model(inputs, fte,
    method_index)`` returns the :class:`Outcomes` of :func:`outcomes`. ``fte`` is either
    ``(N, 5)``, FTE per method as the cost formula prices it (the target year's FTE; under
    the stock basis the depreciated stock), or, under the stock basis, ``(N, Y, 5)`` FTE
    trajectories (rows of :attr:`pool`), which are first depreciated at each draw's own
    depreciation rate. Build it with :func:`model_of`.

    Attributes
    ----------
    pool : numpy.ndarray
        The rows a draw's FTE comes from: ``(m, 5)``, or ``(m, Y, 5)`` trajectories under the
        stock basis.
    method_weights : numpy.ndarray
        ``(5,)`` probability of each costing method, in METHOD_KEYS order.
    basis : str
        "flow" or "stock".
    ages : numpy.ndarray or None
        ``(Y,)`` each stock year's age at the target year (stock basis only).
    seed : int
        The run seed, from which :meth:`rng` derives named streams.
    benefit_weights : numpy.ndarray
        ``(3,)`` probability of each benefit method, in BENEFIT_METHOD_KEYS order (default:
        the chain alone).
    """

    pool: np.ndarray
    method_weights: np.ndarray
    basis: str = "flow"
    ages: np.ndarray | None = None
    seed: int = 0
    benefit_weights: np.ndarray = field(default_factory=lambda: benefit_probabilities({}))

    def __call__(self, inputs: dict[str, np.ndarray], fte: np.ndarray, method_index: np.ndarray) -> Outcomes:
        """Return the outcomes of ``fte`` rows (``(N, 5)``) or trajectories (``(N, Y, 5)``, stock basis)."""
        fte = np.asarray(fte, dtype=float)
        if fte.ndim == 3:
            fte = depreciated_stock(fte, self.ages, inputs[DEPRECIATION], np.arange(fte.shape[0]))
        return outcomes(inputs, fte, method_index, self.basis)

    @property
    def refte_inputs(self) -> tuple[str, ...]:
        """Return the inputs whose value changes a draw's ``(N, 5)`` FTE (the depreciation rate of a stock)."""
        return (DEPRECIATION,) if self.basis == "stock" else ()

    def powers(self, method_index: np.ndarray, benefit_index: np.ndarray | None = None) -> dict[str, float | np.ndarray]:
        """Return the inputs in which each draw's BCR is a power, BCR proportional to ``x ** e``, with e per draw.

        From the formulas above: for a benefit factor +1 in the draws whose benefit method
        multiplies it, 0 in the others (``benefit_index`` None: every draw uses the chain);
        -1 for the salary and the coverage, and for an FTE fraction -1 in the draws whose
        method it prices, 0 in the others. The stock rates enter as (r + d) and through the
        stock: not powers.
        """
        contributor = _CONTRIBUTOR_METHOD[np.asarray(method_index)]
        benefit: dict[str, float | np.ndarray] = {}
        for j, names in enumerate(BENEFIT_METHODS.values()):
            for name in names:
                if benefit_index is None:
                    benefit.setdefault(name, 1.0 if j == 0 else 0.0)
                else:
                    uses = np.asarray(benefit_index) == j
                    benefit[name] = np.where(uses, 1.0, benefit[name]) if name in benefit else np.where(uses, 1.0, 0.0)
        return {
            **benefit,
            "cost.salary_usd": -1.0,
            "cost.coverage": -1.0,
            "cost.fte_fraction_contributor": np.where(contributor, -1.0, 0.0),
            "cost.fte_fraction_reference": np.where(contributor, 0.0, -1.0),
        }

    def fte_of_rows(self, rows: np.ndarray, depreciation: float | np.ndarray = 0.0) -> np.ndarray:
        """Return ``(N, 5)`` FTE of pool ``rows``: the rows themselves, or their stock depreciated at ``depreciation``."""
        if self.basis != "stock":
            return self.pool[rows]
        return depreciated_stock(self.pool, self.ages, depreciation, rows)

    def rng(self, name: str) -> np.random.Generator:
        """Return the random stream ``name`` under the run seed (:func:`child_rng`)."""
        return child_rng(self.seed, name)


def model_of(scenario: Scenario, fte_draws: np.ndarray, fte_by_year: np.ndarray | None = None, years: tuple[int, ...] = ()) -> Model:
    """Return the :class:`Model` of a scenario over a cost side's FTE pool (arguments as :func:`simulate`)."""
    weights = method_probabilities(scenario.method_weights)
    benefit = benefit_probabilities(scenario.benefit_weights)
    fte_draws = np.asarray(fte_draws, dtype=float)
    if scenario.run.basis != "stock":
        return Model(fte_draws, weights, "flow", None, scenario.run.seed, benefit)
    ages = stock_ages(scenario, fte_draws, fte_by_year, years)
    return Model(np.asarray(fte_by_year, dtype=float), weights, "stock", ages, scenario.run.seed, benefit)


def method_probabilities(weights: dict[str, float]) -> np.ndarray:
    """Return the scenario's method weights as probabilities in METHOD_KEYS order (missing = 0)."""
    p = np.array([float(weights.get(key, 0.0)) for key in METHOD_KEYS])
    return p / p.sum()


def benefit_probabilities(weights: dict[str, float]) -> np.ndarray:
    """Return benefit method weights as probabilities in BENEFIT_METHOD_KEYS order (none given: the chain alone).

    Examples
    --------
    >>> benefit_probabilities({}).tolist(), benefit_probabilities({"chain": 1, "market": 3}).tolist()
    ([1.0, 0.0, 0.0], [0.25, 0.75, 0.0])
    """
    p = np.array([float(weights.get(key, 0.0)) for key in BENEFIT_METHOD_KEYS])
    if p.sum() == 0:
        p[0] = 1.0
    return p / p.sum()


def draw_benefit_methods(weights: dict[str, float], n: int, seed: int) -> np.ndarray:
    """Return each of ``n`` draws' benefit method index, from the weights, on its own named stream.

    With one method of weight 1 nothing is drawn (every index is that method's), so a
    chain-only scenario's other streams and draws are exactly what they were before
    benefit methods existed.
    """
    p = benefit_probabilities(weights)
    if np.count_nonzero(p) == 1:
        return np.full(n, int(np.argmax(p)), dtype=np.int64)
    return child_rng(seed, BENEFIT_STREAM).choice(len(BENEFIT_METHOD_KEYS), size=n, p=p)


def stock_ages(scenario: Scenario, fte_draws: np.ndarray, fte_by_year: np.ndarray | None, years: tuple[int, ...]) -> np.ndarray:
    """Return the age at the target year of each year of a stock's FTE pool, after checking the pool fits the scenario.

    Raises
    ------
    McValueError
        The scenario does not draw a stock rate (a scenario built in code).
    ValueError
        No FTE by year, or one that is not ``(m, Y, POOL_WIDTH)`` for the scenario's years.
    """
    missing = [name for name in STOCK_QUANTITIES if name not in scenario.quantities]
    if missing:
        raise McValueError(f'{missing[0]}: [cost] basis = "stock" draws it, but the scenario has no distribution for it')
    expected = scenario.run.stock_years()
    shape = (fte_draws.shape[0], len(expected), fte_draws.shape[1])
    if fte_by_year is None or tuple(years) != expected or np.shape(fte_by_year) != shape:
        got = None if fte_by_year is None else np.shape(fte_by_year)
        raise ValueError(f"a stock needs fte_by_year of shape {shape} for the years {expected[0]}-{expected[-1]}, got {got} for {tuple(years)}")
    return int(scenario.run.target_year) - np.asarray(expected)


def simulate(
    scenario: Scenario,
    fte_draws: np.ndarray,
    seed: int,
    n: int | None = None,
    *,
    fte_by_year: np.ndarray | None = None,
    years: tuple[int, ...] = (),
) -> Simulation:
    """Run the Monte Carlo: ``n`` draws (default ``scenario.run.draws``) of cost, benefit, BCR.

    ``fte_draws`` is an (m, POOL_WIDTH) array of FTE pool rows (the five Table 1 methods,
    then the threshold method's curve), e.g. posterior draws or bootstrap replicates, or
    (m, 5), the Table 1 methods alone (the threshold method then unpriced); it is
    resampled with replacement to ``n`` rows from its own stream. Each draw's costing method is drawn from the method
    weights from another stream. Under ``[cost] basis = "stock"``, ``fte_by_year`` is the
    (m, Y, POOL_WIDTH) FTE of the same rows in each of ``years`` (stock_start to the target year),
    and each draw's row is depreciated at its own depreciation rate (:func:`depreciated_stock`).
    """
    n = scenario.run.draws if n is None else int(n)
    fte_draws = np.asarray(fte_draws, dtype=float)
    if fte_draws.ndim != 2 or fte_draws.shape[1] not in (POOL_WIDTH, TABLE1_COLUMNS) or fte_draws.shape[0] == 0:
        raise ValueError(f"fte_draws must have shape (m, {POOL_WIDTH}) or (m, {TABLE1_COLUMNS}), got {fte_draws.shape}")
    basis = scenario.run.basis
    ages = stock_ages(scenario, fte_draws, fte_by_year, years) if basis == "stock" else None
    inputs = draw_inputs(scenario, n, seed)
    rows = child_rng(seed, FTE_STREAM).integers(0, fte_draws.shape[0], size=n)
    fte = fte_draws[rows] if ages is None else depreciated_stock(fte_by_year, ages, inputs[DEPRECIATION], rows)
    method_index = child_rng(seed, METHOD_STREAM).choice(
        len(METHOD_KEYS), size=n, p=method_probabilities(scenario.method_weights)
    )
    benefit_index = draw_benefit_methods(scenario.benefit_weights, n, seed)
    result = outcomes({**inputs, BENEFIT_METHOD_INPUT: benefit_index}, fte, method_index, basis)
    _check_priced(scenario, result.fte_by_method)
    _check_benefit_priced(scenario, result.benefit_by_method)
    return Simulation(
        inputs=inputs,
        fte=fte,
        fte_by_method=result.fte_by_method,
        fte_row=rows,
        fte_pool_rows=int(fte_draws.shape[0]),
        method_index=method_index,
        cost_by_method=result.cost_by_method,
        cost=result.cost,
        benefit=result.benefit,
        bcr=result.bcr,
        seed=seed,
        basis=basis,
        benefit_index=benefit_index,
        benefit_by_method=result.benefit_by_method,
    )


def _check_priced(scenario: Scenario, fte_by_method: np.ndarray) -> None:
    """Refuse a weighted method whose FTE the cost side cannot give (NaN: no reference repo, no threshold prior).

    Raises
    ------
    McValueError
        Naming the method and ``[cost.method_weights]``.
    """
    weights = method_probabilities(scenario.method_weights)
    for j, key in enumerate(METHOD_KEYS):
        if weights[j] > 0 and np.isnan(fte_by_method[:, j]).any():
            raise McValueError(
                f"[cost.method_weights] {key}: the method has weight {weights[j]:g} but no FTE "
                "(its reference repo is not in the sample, or the scenario has no cost.activity_threshold); give it weight 0"
            )


def _check_benefit_priced(scenario: Scenario, benefit_by_method: np.ndarray) -> None:
    """Refuse a weighted benefit method the scenario gives no quantities for (a scenario built in code).

    Raises
    ------
    McValueError
        Naming the method and ``[benefit.method_weights]``.
    """
    weights = benefit_probabilities(scenario.benefit_weights)
    for j, key in enumerate(BENEFIT_METHOD_KEYS):
        if weights[j] > 0 and np.isnan(benefit_by_method[:, j]).any():
            raise McValueError(
                f"[benefit.method_weights] {key}: the method has weight {weights[j]:g} but the scenario does not give "
                f"all of {', '.join(BENEFIT_METHODS[key])}; give it weight 0"
            )


def check_finite(simulation: Simulation, scenario: Scenario) -> None:
    """Refuse draws a summary could not describe: a non-finite input, cost, benefit or BCR.

    Validation bounds every prior's magnitude, so this is the last guard (e.g. an FTE pool
    holding zeros makes a BCR infinite): the summary would hold ``inf`` or ``NaN``.

    Raises
    ------
    PriorFileError
        Naming the prior quantity whose draws are not finite (exit code 2).
    McValueError
        Naming cost, benefit or BCR, and how many draws are not finite.
    """
    for name, draws in simulation.inputs.items():
        bad = np.count_nonzero(~np.isfinite(draws))
        if bad:
            where = f"{scenario.path}: " if scenario.path else ""
            raise PriorFileError([f"{where}{name}: {bad:,} of {draws.size:,} draws are not finite numbers; choose parameters of a sane magnitude"])
    for name in ("cost", "benefit", "bcr"):
        draws = getattr(simulation, name)
        bad = np.count_nonzero(~np.isfinite(draws))
        if bad:
            raise McValueError(
                f"{name}: {bad:,} of {draws.size:,} Monte Carlo draws are not finite (a zero cost or an overflow); "
                "the summary would not be a number"
            )
