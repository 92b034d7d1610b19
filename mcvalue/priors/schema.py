"""Validation of a prior file: pydantic models (``extra="forbid"``) and readable problems.

A prior file, once its ``extends`` chain is merged (see :mod:`mcvalue.priors.load`), must
match :class:`PriorFile`. Every problem becomes one line ``FILE: dotted.key: what is
wrong``; all problems of a file are listed together and raised as
:class:`mcvalue.errors.PriorFileError`. Nothing is sampled before this passes.

Each quantity is a table whose ``dist`` names one family of the allow-list
:data:`DIST_MODELS`; the family's model checks its own keys (one parametrisation, ordered
intervals, positive scales) and builds the marginal, so a beta whose interval cannot be
solved is a validation error too. Each quantity then has a *domain* (money > 0,
fractions in [0, 1], coverage >= 1) that the numbers written and the distribution's
support must respect.
"""

import difflib
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Union

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError
from scipy import stats

from mcvalue.data.tables import MODES
from mcvalue.paper import METHOD_KEYS
from mcvalue.priors import distributions as d
from mcvalue.priors.correlation import conflict_message, first_conflict
from mcvalue.priors.spec import COST_MODELS, QUANTITIES, Distribution

WEIGHT_TOLERANCE = 1e-9


def _fail(text: str) -> PydanticCustomError:
    """A validation error whose message is exactly ``text`` (braces in it are safe)."""
    return PydanticCustomError("mcvalue", "{message}", {"message": text})


def _ordered(pair: list[float]) -> list[float]:
    """An interval [lower, upper] must have lower < upper."""
    if not pair[0] < pair[1]:
        raise _fail(f"lower end {pair[0]:g} is not below upper end {pair[1]:g}")
    return pair


Positive = Annotated[float, Field(gt=0)]
Interval = Annotated[list[float], Field(min_length=2, max_length=2), AfterValidator(_ordered)]


class _Strict(BaseModel):
    """Base: unknown keys, coercions (``"3e12"`` for a number) and NaN/inf are all errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- families


class _Family(_Strict):
    """A distribution spec: ``dist``, its parameters, an optional ``source``.

    ``PARAMETRISATIONS`` lists the alternative key groups; exactly one must be given
    completely and no key of another group may appear.
    """

    source: str | None = None
    PARAMETRISATIONS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    _dist: Distribution | None = PrivateAttr(default=None)

    def _given(self, key: str) -> bool:
        return getattr(self, key) is not None

    def _choose(self) -> tuple[str, ...]:
        """The one parametrisation given, or a readable error."""
        if not self.PARAMETRISATIONS:
            return ()
        groups = [" + ".join(g) for g in self.PARAMETRISATIONS]
        complete = [g for g in self.PARAMETRISATIONS if all(self._given(k) for k in g)]
        given = [k for g in self.PARAMETRISATIONS for k in g if self._given(k)]
        if not complete:
            partial = [g for g in self.PARAMETRISATIONS if any(self._given(k) for k in g)]
            if len(partial) == 1 and len(partial[0]) > 1:
                missing = [k for k in partial[0] if not self._given(k)]
                raise _fail(f"{', '.join(missing)} missing ({' + '.join(partial[0])} go together)")
            raise _fail(f"{self.dist} needs exactly one of: {'; '.join(groups)}")
        extra = [k for k in dict.fromkeys(given) if k not in complete[0]]
        if len(complete) > 1 or extra:
            raise _fail(f"give only one parametrisation of {self.dist} (got {', '.join(dict.fromkeys(given))}); one of: {'; '.join(groups)}")
        return complete[0]

    def _label(self, keys: tuple[str, ...]) -> str:
        """The user's own parametrisation, e.g. ``lognormal(ci90=[1.5e+05, 4e+05])``."""

        def show(v: Any) -> str:
            return "[" + ", ".join(f"{x:.4g}" for x in v) + "]" if isinstance(v, list) else f"{v:.4g}"

        shown = [f"{type(self).model_fields[k].alias or k}={show(getattr(self, k))}" for k in keys]
        return f"{self.dist}({', '.join(shown)})"

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        raise NotImplementedError

    @model_validator(mode="after")
    def _resolve(self) -> "_Family":
        """Pick the parametrisation and build the marginal, turning solver failures into problems."""
        keys = self._choose()
        try:
            self._dist = self._build(keys)
        except d.SolveError as error:
            raise _fail(str(error)) from None
        return self

    @property
    def distribution(self) -> Distribution:
        """The validated marginal."""
        return self._dist


class _ContinuousFamily(_Family):
    """A continuous family: adds ``lower`` / ``upper`` truncation bounds."""

    lower: float | None = None
    upper: float | None = None

    def _truncated(self, frozen: Any, keys: tuple[str, ...]) -> d.Continuous:
        """Wrap a frozen scipy distribution with this spec's truncation and source."""
        if self.lower is not None and self.upper is not None and not self.lower < self.upper:
            raise d.SolveError(f"truncation lower = {self.lower:g} is not below upper = {self.upper:g}")
        dist = d.Continuous(frozen, self._label(keys), self.lower, self.upper, self.source)
        if not dist.kept_mass() > 1e-12:
            raise d.SolveError(f"truncation to [{self.lower}, {self.upper}] keeps no probability of {dist.label}")
        return dist


class PointSpec(_Family):
    """A point mass."""

    dist: Literal["point"]
    value: float

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        return d.Point(self.value, self.source)


class UniformSpec(_ContinuousFamily):
    """Uniform on [min, max]."""

    dist: Literal["uniform"]
    min: float
    max: float

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if not self.min < self.max:
            raise d.SolveError(f"min = {self.min:g} is not below max = {self.max:g}")
        return self._truncated(stats.uniform(loc=self.min, scale=self.max - self.min), ("min", "max"))


class NormalSpec(_ContinuousFamily):
    """Normal by mean + sd or a central interval."""

    dist: Literal["normal"]
    mean: float | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    PARAMETRISATIONS = (("mean", "sd"), ("ci90",), ("ci95",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("mean", "sd"):
            mean, sd = self.mean, self.sd
        else:
            mean, sd = d.normal_from_interval(keys[0], *getattr(self, keys[0]))
        return self._truncated(stats.norm(mean, sd), keys)


class LognormalSpec(_ContinuousFamily):
    """Lognormal by mu + sigma of log x, mean + sd of x, or a central interval of x."""

    dist: Literal["lognormal"]
    mu: float | None = None
    sigma: Positive | None = None
    mean: Positive | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    PARAMETRISATIONS = (("mu", "sigma"), ("mean", "sd"), ("ci90",), ("ci95",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("mu", "sigma"):
            mu, sigma = self.mu, self.sigma
        elif keys == ("mean", "sd"):
            mu, sigma = d.lognormal_from_moments(self.mean, self.sd)
        else:
            lo, hi = getattr(self, keys[0])
            if not lo > 0:
                raise d.SolveError(f"{keys[0]} lower end {lo:g} must be > 0 for a lognormal")
            mu, sigma = d.lognormal_from_interval(keys[0], lo, hi)
        return self._truncated(stats.lognorm(s=sigma, scale=math.exp(mu)), keys)


class BetaSpec(_ContinuousFamily):
    """Beta by alpha + beta, mean + sd, or a central interval (solved numerically)."""

    dist: Literal["beta"]
    alpha: Positive | None = None
    beta: Positive | None = None
    mean: Annotated[float, Field(gt=0, lt=1)] | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    PARAMETRISATIONS = (("alpha", "beta"), ("mean", "sd"), ("ci90",), ("ci95",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("alpha", "beta"):
            a, b = self.alpha, self.beta
        elif keys == ("mean", "sd"):
            a, b = d.beta_from_moments(self.mean, self.sd)
        else:
            lo, hi = getattr(self, keys[0])
            if not 0 < lo < hi < 1:
                raise d.SolveError(f"{keys[0]} = [{lo:g}, {hi:g}] must lie strictly inside (0, 1) for a beta")
            a, b = d.beta_from_interval(keys[0], lo, hi)
        return self._truncated(stats.beta(a, b), keys)


class GammaSpec(_ContinuousFamily):
    """Gamma by shape + scale, shape + rate, mean + sd, or a central interval."""

    dist: Literal["gamma"]
    shape: Positive | None = None
    scale: Positive | None = None
    rate: Positive | None = None
    mean: Positive | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    PARAMETRISATIONS = (("shape", "scale"), ("shape", "rate"), ("mean", "sd"), ("ci90",), ("ci95",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("shape", "scale"):
            k, theta = self.shape, self.scale
        elif keys == ("shape", "rate"):
            k, theta = self.shape, 1.0 / self.rate
        elif keys == ("mean", "sd"):
            k, theta = (self.mean / self.sd) ** 2, self.sd**2 / self.mean
        else:
            lo, hi = getattr(self, keys[0])
            if not lo > 0:
                raise d.SolveError(f"{keys[0]} lower end {lo:g} must be > 0 for a gamma")
            k, theta = d.gamma_from_interval(keys[0], lo, hi)
        return self._truncated(stats.gamma(k, scale=theta), keys)


class _ModeFamily(_ContinuousFamily):
    """Shared checks of the min / mode / max families."""

    min: float
    mode: float
    max: float

    def _check_order(self) -> None:
        if not (self.min <= self.mode <= self.max and self.min < self.max):
            raise d.SolveError(f"need min <= mode <= max with min < max (got {self.min:g}, {self.mode:g}, {self.max:g})")


class TriangularSpec(_ModeFamily):
    """Triangular on [min, max] with peak at mode."""

    dist: Literal["triangular"]

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        self._check_order()
        span = self.max - self.min
        frozen = stats.triang((self.mode - self.min) / span, loc=self.min, scale=span)
        return self._truncated(frozen, ("min", "mode", "max"))


class PertSpec(_ModeFamily):
    """PERT: a beta on [min, max] with mode ``mode`` and concentration ``lambda`` (4 by default)."""

    dist: Literal["pert"]
    lam: Positive = Field(4.0, alias="lambda")

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        self._check_order()
        a, b = d.pert_shape(self.min, self.mode, self.max, self.lam)
        frozen = stats.beta(a, b, loc=self.min, scale=self.max - self.min)
        return self._truncated(frozen, ("min", "mode", "max") + (("lam",) if self.lam != 4.0 else ()))


class ChoiceSpec(_Family):
    """A discrete choice of ``values`` with ``weights`` summing to 1."""

    dist: Literal["choice"]
    values: Annotated[list[float], Field(min_length=1)]
    weights: Annotated[list[Annotated[float, Field(ge=0, le=1)]], Field(min_length=1)]

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if len(self.values) != len(self.weights):
            raise d.SolveError(f"{len(self.values)} values but {len(self.weights)} weights")
        total = math.fsum(self.weights)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise d.SolveError(f"weights sum to {total:.12g}, not 1")
        return d.Choice(tuple(self.values), tuple(self.weights), self.source)


#: The allow-list: the only distribution names a prior file may use.
DIST_MODELS: dict[str, type[_Family]] = {
    "point": PointSpec,
    "uniform": UniformSpec,
    "normal": NormalSpec,
    "lognormal": LognormalSpec,
    "beta": BetaSpec,
    "gamma": GammaSpec,
    "triangular": TriangularSpec,
    "pert": PertSpec,
    "choice": ChoiceSpec,
}

DistSpec = Annotated[Union[tuple(DIST_MODELS.values())], Field(discriminator="dist")]

# --------------------------------------------------------------------------- domains


@dataclass(frozen=True)
class Domain:
    """Where a quantity's values may lie: [low, high], with ``low`` excluded if ``open_low``."""

    low: float
    high: float
    open_low: bool
    why: str

    def contains(self, x: float) -> bool:
        """Is ``x`` a legal value (as written in the file)?"""
        above = x > self.low if self.open_low else x >= self.low
        return above and x <= self.high

    def span(self) -> str:
        """E.g. ``[0, 1]`` or ``(0, inf)``."""
        return f"{'(' if self.open_low else '['}{self.low:g}, {self.high:g}{']' if math.isfinite(self.high) else ')'}"


MONEY = Domain(0.0, math.inf, True, "an amount of money must be positive")
FRACTION = Domain(0.0, 1.0, False, "a share or fraction is a probability-like number in [0, 1]")
COVERAGE = Domain(1.0, math.inf, False, "coverage >= 1: the MLOSS universe is at least the sample")

#: Keys whose numbers are in the quantity's own unit, so must lie in its domain.
_VALUE_KEYS = ("value", "values", "min", "mode", "max", "lower", "upper", "mean", "ci90", "ci95")


def _in_domain(domain: Domain) -> Callable[[_Family], _Family]:
    """After-validator: the numbers written and the marginal's support lie in ``domain``."""

    def check(spec: _Family) -> _Family:
        for key in _VALUE_KEYS:
            raw = getattr(spec, key, None)
            for x in raw if isinstance(raw, list) else [] if raw is None else [raw]:
                if not domain.contains(x):
                    what = f"{key} = {raw} has {x:g}, which is" if isinstance(raw, list) else f"{key} = {x:g} is"
                    raise _fail(f"{what} outside {domain.span()}: {domain.why}")
        dist = spec.distribution
        low, high = (float(v) for v in dist.ppf(np.array([0.0, 1.0])))
        if low < domain.low or high > domain.high:
            raise _fail(
                f"{dist.describe()} has support [{low:g}, {high:g}], outside {domain.span()}: {domain.why}; "
                "choose a bounded family or add lower/upper truncation"
            )
        return spec

    return check


# --------------------------------------------------------------------------- sections


class _WeightsBase(_Strict):
    """Weights over the five costing methods: each in [0, 1], summing to 1."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> "_WeightsBase":
        total = math.fsum(getattr(self, k) for k in METHOD_KEYS)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise _fail(f"weights sum to {total:.12g}, not 1")
        return self

    def as_dict(self) -> dict[str, float]:
        """Method key -> weight, in METHOD_KEYS order."""
        return {k: float(getattr(self, k)) for k in METHOD_KEYS}


MethodWeights = create_model(
    "MethodWeights",
    __base__=_WeightsBase,
    **{k: (Annotated[float, Field(ge=0, le=1)], ...) for k in METHOD_KEYS},
)


class CostSection(_Strict):
    """``[cost.*]``: the cost side's prior quantities and the method weights."""

    salary_usd: Annotated[DistSpec, AfterValidator(_in_domain(MONEY))]
    fte_fraction_contributor: Annotated[DistSpec, AfterValidator(_in_domain(FRACTION))]
    fte_fraction_reference: Annotated[DistSpec, AfterValidator(_in_domain(FRACTION))]
    coverage: Annotated[DistSpec, AfterValidator(_in_domain(COVERAGE))]
    method_weights: MethodWeights


class BenefitSection(_Strict):
    """``[benefit.*]``: the four factors of the benefit chain."""

    ai_value_usd: Annotated[DistSpec, AfterValidator(_in_domain(MONEY))]
    haircut: Annotated[DistSpec, AfterValidator(_in_domain(FRACTION))]
    attribution_share: Annotated[DistSpec, AfterValidator(_in_domain(FRACTION))]
    mloss_share: Annotated[DistSpec, AfterValidator(_in_domain(FRACTION))]


class DataSection(_Strict):
    """``[data]``: the sample's mode and, optionally, individual cleaning options."""

    mode: Literal[MODES] | None = None
    exclude_bots: bool | None = None
    merge_duplicate_repos: bool | None = None
    drop_overlapping_windows: bool | None = None
    extra_bots: list[str] | None = None


class RunSection(_Strict):
    """``[run]``: Monte Carlo draws, seed and the cost model supplying FTE draws."""

    draws: Annotated[int, Field(ge=1)] | None = None
    seed: Annotated[int, Field(ge=0)] | None = None
    cost_model: Literal[COST_MODELS] | None = None


def _known_quantity(name: str) -> str:
    if name not in QUANTITIES:
        raise _fail(f"unknown quantity '{name}'{suggest(name, QUANTITIES)}")
    return name


class Correlation(_Strict):
    """``[[correlations]]``: a rank (Spearman) correlation between two named quantities."""

    between: Annotated[list[Annotated[str, AfterValidator(_known_quantity)]], Field(min_length=2, max_length=2)]
    rho: Annotated[float, Field(gt=-1, lt=1)]

    @model_validator(mode="after")
    def _distinct(self) -> "Correlation":
        if self.between[0] == self.between[1]:
            raise _fail(f"a quantity cannot be correlated with itself ({self.between[0]})")
        return self


def _consistent(correlations: list[Correlation]) -> list[Correlation]:
    """No pair twice; the target is one Iman-Conover can impose, else name the pair that breaks it.

    Pairs are added in file order; the first whose addition makes the matrix (or its
    normal-score version) not positive definite is named, since it conflicts with the
    pairs before it (:func:`mcvalue.priors.correlation.first_conflict`).
    """
    seen: set[frozenset[str]] = set()
    for c in correlations:
        pair = frozenset(c.between)
        if pair in seen:
            raise _fail(f"the pair ({c.between[0]}, {c.between[1]}) is given twice")
        seen.add(pair)
    triples = [(c.between[0], c.between[1], c.rho) for c in correlations]
    bad = first_conflict(triples)
    if bad is not None:
        raise _fail(conflict_message(*triples[bad]))
    return correlations


class PriorFile(_Strict):
    """A complete prior file after its ``extends`` chain is merged."""

    cost: CostSection
    benefit: BenefitSection
    data: DataSection = DataSection()
    run: RunSection = RunSection()
    correlations: Annotated[list[Correlation], AfterValidator(_consistent)] = []

    def quantities(self) -> dict[str, Distribution]:
        """Dotted quantity name -> validated marginal, in QUANTITIES order."""
        return {q: getattr(getattr(self, q.split(".")[0]), q.split(".")[1]).distribution for q in QUANTITIES}


# --------------------------------------------------------------------------- messages


def suggest(word: str, options: typing.Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or an empty string."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _model_of(annotation: Any) -> Any:
    """The model class (or the dist union, as the dict DIST_MODELS) an annotation leads to."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = typing.get_args(annotation)
    if args and all(a in DIST_MODELS.values() for a in args):
        return DIST_MODELS
    if typing.get_origin(annotation) in (list, Union, types.UnionType, Annotated):
        for arg in args:
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def allowed_keys(parent: tuple) -> list[str]:
    """Keys a table at location ``parent`` (pydantic loc, with dist tags) may hold."""
    current: Any = PriorFile
    for part in parent:
        if isinstance(part, int):
            continue
        if current is DIST_MODELS:
            current = DIST_MODELS.get(part)
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = _model_of(current.model_fields[part].annotation)
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


_TYPE_WORDS = {
    "float_type": "a number",
    "int_type": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "an array",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}


def _toml_type(value: Any) -> str:
    """TOML's name for a parsed value's type."""
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}
    return names.get(type(value), type(value).__name__)


def _message(err: dict) -> tuple[tuple, str]:
    """(location without dist tags, text) of one pydantic error."""
    raw_loc = tuple(err["loc"])
    loc = tuple(p for i, p in enumerate(raw_loc) if not (i == 2 and raw_loc[0] in ("cost", "benefit") and p in DIST_MODELS))
    kind, value = err["type"], err.get("input")
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        allowed = allowed_keys(raw_loc[:-1])
        listing = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return loc, f"unknown key{suggest(loc[-1], allowed)}{listing}"
    if kind == "missing":
        if ".".join(map(str, loc)) in QUANTITIES:
            return loc, "missing quantity: give it a distribution, or start the file with extends = \"default\""
        if len(loc) == 1:
            return loc, f"missing table [{loc[0]}]"
        return loc, "missing"
    if kind == "union_tag_invalid":
        return loc + ("dist",), f"unknown distribution '{ctx.get('tag')}'{suggest(ctx.get('tag'), DIST_MODELS)}; known: {', '.join(DIST_MODELS)}"
    if kind == "union_tag_not_found":
        return loc + ("dist",), f"missing: say which distribution, one of {', '.join(DIST_MODELS)}"
    if kind == "list_type" and loc == ("correlations",):
        return loc, f"expected an array of tables, got {_toml_type(value)}: write each pair as [[correlations]] with between and rho"
    if kind in _TYPE_WORDS:
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        return loc, f"expected {_TYPE_WORDS[kind]}, got {_toml_type(value)} {shown}"
    if kind == "finite_number":
        return loc, f"must be a finite number, got {value!r}"
    if kind == "literal_error":
        return loc, f"expected {ctx.get('expected')}, got {value!r}{suggest(value, MODES + COST_MODELS) if isinstance(value, str) else ''}"
    if kind in ("too_short", "too_long") and loc[-1] in d.INTERVAL_LEVELS:
        return loc, f"expected [lower, upper] (2 numbers), got {len(value)}"
    if kind in ("too_short", "too_long") and loc[-1] == "between":
        return loc, f"expected [quantity, quantity] (2 names), got {len(value)}"
    if kind == "too_short":
        return loc, f"expected at least {ctx.get('min_length')} item(s), got {len(value)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return loc, f"{err['msg'].replace('Input should be', 'must be')}, got {value!r}"
    return loc, err["msg"].removeprefix("Value error, ")


def problems_from(error: ValidationError, file_of: Callable[[tuple], str]) -> list[str]:
    """One ``FILE: dotted.key: what is wrong`` line per problem, deduplicated, in order.

    Missing method weights are one problem (a partial ``[cost.method_weights]``), not one
    line per weight left out.
    """
    errors = error.errors(include_url=False)
    weights = ("cost", "method_weights")
    left_out = [e["loc"][2] for e in errors if e["type"] == "missing" and tuple(e["loc"][:2]) == weights and len(e["loc"]) == 3]
    lines = []
    for err in errors:
        if err["type"] == "missing" and tuple(err["loc"][:2]) == weights and len(err["loc"]) == 3:
            loc, text = weights, (
                f"missing {', '.join(left_out)}: [cost.method_weights] replaces the base file's weights whole, "
                f"so give all {len(METHOD_KEYS)}"
            )
        else:
            loc, text = _message(err)
        key = ".".join(str(p) for p in loc) or "(top level)"
        lines.append(f"{file_of(loc)}: {key}: {text}")
    return list(dict.fromkeys(lines))


def validate(merged: dict, file_of: Callable[[tuple], str]) -> tuple[PriorFile | None, list[str]]:
    """Validate a merged prior dict: the model, or None and the problem lines."""
    try:
        return PriorFile.model_validate(merged), []
    except ValidationError as error:
        return None, problems_from(error, file_of)
