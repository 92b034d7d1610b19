"""The distribution families a prior file may name: one pydantic model per ``dist``.

Each quantity is a table whose ``dist`` names one family of the allow-list
:data:`DIST_MODELS`; the family's model checks its own keys (one parametrisation, ordered
intervals, positive scales) and builds the marginal, so a beta whose interval cannot be
solved is a validation error too.
"""

import math
from typing import Annotated, Any, ClassVar, Literal, Union

import numpy as np
from pydantic import AfterValidator, Field, PrivateAttr, model_validator

from mcvalue.fmt import plain
from mcvalue.priors import distributions as d
from mcvalue.priors import laws
from mcvalue.priors.base import WEIGHT_TOLERANCE, Strict, fail
from mcvalue.priors.quantiles import fit_quantiles
from mcvalue.priors.settings import Distribution

#: Probabilities whose quantiles must be finite (and, per quantity, within its domain's bounds).
TAILS = (0.001, 0.999)
#: Largest lognormal sigma (of log x) accepted: wider is not a belief but a numerical hazard.
MAX_LOG_SIGMA = 10.0
#: Longest ``label`` a quantity may carry: it must fit a figure's axis.
LABEL_MAX = 40


def _ordered(pair: list[float]) -> list[float]:
    """Check that an interval [lower, upper] has lower < upper."""
    if not pair[0] < pair[1]:
        raise fail(f"lower end {pair[0]:g} is not below upper end {pair[1]:g}")
    return pair


Positive = Annotated[float, Field(gt=0)]
Interval = Annotated[list[float], Field(min_length=2, max_length=2), AfterValidator(_ordered)]
#: ``quantiles = {"0.05" = a, "0.5" = b, "0.95" = c}``: probability (as text) -> value.
Quantiles = dict[str, float]


class Family(Strict):
    """A distribution spec: ``dist``, its parameters, an optional ``source`` and ``label``.

    ``label`` is the short name figures and tables show (at most :data:`LABEL_MAX`
    characters); JSON output keeps the dotted key. ``PARAMETRISATIONS`` lists the alternative key groups; exactly one must be given
    completely and no key of another group may appear.
    """

    source: str | None = None
    label: Annotated[str, Field(min_length=1, max_length=LABEL_MAX)] | None = None
    PARAMETRISATIONS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    _dist: Distribution | None = PrivateAttr(default=None)

    def _given(self, key: str) -> bool:
        return getattr(self, key) is not None

    def _choose(self) -> tuple[str, ...]:
        """Return the one parametrisation given, or raise a readable error."""
        if not self.PARAMETRISATIONS:
            return ()
        groups = [" + ".join(g) for g in self.PARAMETRISATIONS]
        complete = [g for g in self.PARAMETRISATIONS if all(self._given(k) for k in g)]
        given = [k for g in self.PARAMETRISATIONS for k in g if self._given(k)]
        if not complete:
            partial = [g for g in self.PARAMETRISATIONS if any(self._given(k) for k in g)]
            if len(partial) == 1 and len(partial[0]) > 1:
                missing = [k for k in partial[0] if not self._given(k)]
                raise fail(f"{', '.join(missing)} missing ({' + '.join(partial[0])} go together)")
            raise fail(f"{self.dist} needs exactly one of: {'; '.join(groups)}")
        extra = [k for k in dict.fromkeys(given) if k not in complete[0]]
        if len(complete) > 1 or extra:
            got = ", ".join(dict.fromkeys(given))
            raise fail(f"give only one parametrisation of {self.dist} (got {got}); one of: {'; '.join(groups)}")
        return complete[0]

    def _label(self, keys: tuple[str, ...]) -> str:
        """Show the user's own parametrisation, e.g. ``lognormal(ci90=[150K, 400K])`` (never e-notation)."""

        def show(v: Any) -> str:
            if isinstance(v, dict):
                return "{" + ", ".join(f"{p}: {plain(x)}" for p, x in v.items()) + "}"
            return "[" + ", ".join(plain(x) for x in v) + "]" if isinstance(v, list) else plain(v)

        shown = [f"{type(self).model_fields[k].alias or k}={show(getattr(self, k))}" for k in keys]
        misfit = getattr(self, "_misfit", None)
        if misfit is not None:
            shown.append(f"misfit={misfit:.3f}")  # largest |F(x_i) - p_i|, in probability
        return f"{self.dist}({', '.join(shown)})"

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        raise NotImplementedError

    @model_validator(mode="after")
    def _resolve(self) -> "Family":
        """Pick the parametrisation and build the marginal, turning solver failures into problems."""
        keys = self._choose()
        try:
            self._dist = self._build(keys)
        except d.SolveError as error:
            raise fail(str(error)) from None
        return self

    @property
    def distribution(self) -> Distribution:
        """The validated marginal."""
        return self._dist


class ContinuousFamily(Family):
    """A continuous family: adds ``lower`` / ``upper`` truncation bounds."""

    lower: float | None = None
    upper: float | None = None
    _misfit: float | None = PrivateAttr(default=None)

    def _from_quantiles(self, keys: tuple[str, ...], lam: float = d.PERT_LAMBDA) -> d.Continuous:
        """Fit the family to ``quantiles`` (:mod:`mcvalue.priors.quantiles`; ``lam``: a PERT's); the description shows the misfit."""
        law, self._misfit = fit_quantiles(self.dist, self.quantiles, lam)
        return self._truncated(law, keys)

    def _truncated(self, law: laws.Law, keys: tuple[str, ...]) -> d.Continuous:
        """Wrap a family's law with this spec's truncation and source."""
        if self.lower is not None and self.upper is not None and not self.lower < self.upper:
            raise d.SolveError(f"truncation lower = {self.lower:g} is not below upper = {self.upper:g}")
        dist = d.Continuous(law, self._label(keys), self.lower, self.upper, self.source)
        with np.errstate(all="ignore"):
            tails, kept = dist.ppf(np.array(TAILS)), dist.kept_mass()
        if not (np.all(np.isfinite(tails)) and math.isfinite(kept)):
            raise d.SolveError(
                f"{dist.describe()} has p0.1 = {tails[0]:g} and p99.9 = {tails[1]:g}: its quantiles must be finite "
                "numbers; choose parameters of a sane magnitude"
            )
        if not kept > 1e-12:
            raise d.SolveError(f"truncation to [{self.lower}, {self.upper}] keeps no probability of {dist.label}")
        return dist


class PointSpec(Family):
    """A point mass."""

    dist: Literal["point"]
    value: float

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        return d.Point(self.value, self.source)


class UniformSpec(ContinuousFamily):
    """Uniform on [min, max], given by its ends or fitted to quantiles."""

    dist: Literal["uniform"]
    min: float | None = None
    max: float | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("min", "max"), ("quantiles",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if not self.min < self.max:
            raise d.SolveError(f"min = {self.min:g} is not below max = {self.max:g}")
        return self._truncated(laws.UniformLaw(self.min, self.max), keys)


class NormalSpec(ContinuousFamily):
    """Normal by mean + sd or a central interval."""

    dist: Literal["normal"]
    mean: float | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if keys == ("mean", "sd"):
            mean, sd = self.mean, self.sd
        else:
            mean, sd = d.normal_from_interval(keys[0], *getattr(self, keys[0]))
        return self._truncated(laws.NormalLaw(mean, sd), keys)


class LognormalSpec(ContinuousFamily):
    """Lognormal by mu + sigma of log x, mean + sd of x, or a central interval of x."""

    dist: Literal["lognormal"]
    mu: float | None = None
    sigma: Positive | None = None
    mean: Positive | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("mu", "sigma"), ("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if keys == ("mu", "sigma"):
            mu, sigma = self.mu, self.sigma
        elif keys == ("mean", "sd"):
            mu, sigma = d.lognormal_from_moments(self.mean, self.sd)
        else:
            lo, hi = getattr(self, keys[0])
            if not lo > 0:
                raise d.SolveError(f"{keys[0]} lower end {lo:g} must be > 0 for a lognormal")
            mu, sigma = d.lognormal_from_interval(keys[0], lo, hi)
        if sigma > MAX_LOG_SIGMA:
            raise d.SolveError(
                f"{self._label(keys)} has sigma = {sigma:.4g} (of log x), above {MAX_LOG_SIGMA:g}: "
                "its 90% interval would span a factor of more than 1e14"
            )
        return self._truncated(laws.LognormalLaw(mu, sigma), keys)


class BetaSpec(ContinuousFamily):
    """Beta by alpha + beta, mean + sd, or a central interval (solved numerically)."""

    dist: Literal["beta"]
    alpha: Positive | None = None
    beta: Positive | None = None
    mean: Annotated[float, Field(gt=0, lt=1)] | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("alpha", "beta"), ("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if keys == ("alpha", "beta"):
            a, b = self.alpha, self.beta
        elif keys == ("mean", "sd"):
            a, b = d.beta_from_moments(self.mean, self.sd)
        else:
            lo, hi = getattr(self, keys[0])
            if not 0 < lo < hi < 1:
                raise d.SolveError(f"{keys[0]} = [{lo:g}, {hi:g}] must lie strictly inside (0, 1) for a beta")
            a, b = d.beta_from_interval(keys[0], lo, hi)
        return self._truncated(laws.BetaLaw(a, b), keys)


class GammaSpec(ContinuousFamily):
    """Gamma by shape + scale, shape + rate, mean + sd, or a central interval."""

    dist: Literal["gamma"]
    shape: Positive | None = None
    scale: Positive | None = None
    rate: Positive | None = None
    mean: Positive | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("shape", "scale"), ("shape", "rate"), ("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
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
        return self._truncated(laws.GammaLaw(k, theta), keys)


class ModeFamily(ContinuousFamily):
    """Shared keys and checks of the min / mode / max families (or their ``quantiles``, fitted)."""

    min: float | None = None
    mode: float | None = None
    max: float | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("min", "mode", "max"), ("quantiles",))

    def _check_order(self) -> None:
        if not (self.min <= self.mode <= self.max and self.min < self.max):
            got = f"{self.min:g}, {self.mode:g}, {self.max:g}"
            raise d.SolveError(f"need min <= mode <= max with min < max (got {got})")


class TriangularSpec(ModeFamily):
    """Triangular on [min, max] with peak at mode."""

    dist: Literal["triangular"]

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        self._check_order()
        return self._truncated(laws.TriangularLaw(self.min, self.mode, self.max), keys)


class PertSpec(ModeFamily):
    """PERT: a beta on [min, max] with mode ``mode`` and concentration ``lambda`` (4 by default, kept when fitting quantiles)."""

    dist: Literal["pert"]
    lam: Positive = Field(d.PERT_LAMBDA, alias="lambda")

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        shown = keys + (("lam",) if self.lam != d.PERT_LAMBDA else ())
        if keys == ("quantiles",):
            return self._from_quantiles(shown, self.lam)
        self._check_order()
        a, b = d.pert_shape(self.min, self.mode, self.max, self.lam)
        law = laws.BetaLaw(a, b, loc=self.min, scale=self.max - self.min)
        return self._truncated(law, shown)


class ChoiceSpec(Family):
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
DIST_MODELS: dict[str, type[Family]] = {
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

DistSpec = Annotated[Union[tuple(DIST_MODELS.values())], Field(discriminator="dist")]  # noqa: UP007 (a runtime tuple)
