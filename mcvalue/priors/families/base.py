"""What every family shares: the spec base a prior table validates against, and truncation.

Each quantity is a table whose ``dist`` names one family of the allow-list
(:mod:`~mcvalue.priors.families.registry`); the family's spec (a subclass of
:class:`Family`) checks its own keys (one parametrisation, ordered intervals, positive
scales) and builds the marginal, so a beta whose interval cannot be solved is a
validation error too. Continuous families wrap their law in :class:`Continuous`, which
truncates it to ``lower`` / ``upper`` and shows the user's parametrisation.

``ciXX = [a, b]`` means P(x < a) = P(x > b) = (1 - XX/100) / 2 for the distribution
*before* truncation. Every continuous family may instead be given ``quantiles`` (three or
more, fitted: :mod:`~mcvalue.priors.families.quantiles`), and takes ``lower`` / ``upper``
truncation bounds, which condition the distribution on lying between them. Truncated
families sample by inverse CDF (``ppf`` of ``rng``'s uniforms); untruncated ones use
numpy's own sampler, because a beta's quantile function costs ~40x its sampler at
200,000 draws. Rank correlation (Iman-Conover) only reorders the draws, so it needs neither.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, cast

import numpy as np
import numpy.typing as npt
from pydantic import AfterValidator, Field, PrivateAttr, model_validator
from scipy import special

from mcvalue.fmt import plain
from mcvalue.priors.base import Strict, fail
from mcvalue.priors.families.law import Floats, Law, SolveError, floats, mass
from mcvalue.priors.families.quantiles import PERT_LAMBDA, LawOf, Support, fit_quantiles, uniform_through
from mcvalue.priors.settings import Distribution

#: Probabilities whose quantiles must be finite (and, per quantity, within its domain's bounds).
TAILS = (0.001, 0.999)
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


@dataclass(frozen=True, eq=False)
class Continuous:
    """A continuous family's law, optionally truncated to [lower, upper].

    Truncated quantiles: ppf_T(q) = F^-1(F(lower) + q (F(upper) - F(lower))).
    """

    law: Law
    label: str
    lower: float | None = None
    upper: float | None = None
    source: str | None = None

    def _bounds(self) -> tuple[float, float]:
        """Return the truncation bounds, infinite where there is none."""
        return (-np.inf if self.lower is None else self.lower, np.inf if self.upper is None else self.upper)

    def _cdf_range(self) -> tuple[float, float]:
        """F(lower) and F(upper): the slice of the untruncated CDF that is kept."""
        lo = 0.0 if self.lower is None else float(self.law.cdf(np.asarray(self.lower)))
        hi = 1.0 if self.upper is None else float(self.law.cdf(np.asarray(self.upper)))
        return lo, hi

    def kept_mass(self) -> float:
        """Probability of the untruncated distribution inside the truncation bounds."""
        return mass(self.law, *self._bounds())

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """CDF of the truncated distribution: (F(x) - F(lower)) / (F(upper) - F(lower)), in [0, 1]."""
        lo, hi = self._cdf_range()
        return np.clip((self.law.cdf(np.asarray(x, dtype=float)) - lo) / (hi - lo), 0.0, 1.0)

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Quantile function of the truncated distribution (clipped against rounding)."""
        lo, hi = self._cdf_range()
        x = self.law.ppf(lo + np.asarray(q, dtype=float) * (hi - lo))
        if self.lower is not None or self.upper is not None:
            x = np.clip(x, self.lower, self.upper)
        return x

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``n`` draws from ``rng``: the family's numpy sampler, or inverse CDF when truncated."""
        if self.lower is None and self.upper is None:
            return np.asarray(self.law.sample(rng, n), dtype=float)
        return self.ppf(rng.uniform(size=n))

    def mean(self) -> float:
        """Mean of the (truncated) distribution: the family's closed-form partial mean over the kept mass."""
        return self.law.partial_mean(*self._bounds()) / self.kept_mass()

    def describe(self) -> str:
        """Show the user's parametrisation, with truncation, e.g. ``lognormal(ci90=[0.03, 0.3], upper=1)``."""
        bounds = [f"{k}={plain(v)}" for k, v in (("lower", self.lower), ("upper", self.upper)) if v is not None]
        if not bounds:
            return self.label
        return f"{self.label[:-1]}, {', '.join(bounds)})"


class Family(Strict):
    """A distribution spec: ``dist``, its parameters, an optional ``source`` and ``label``.

    ``label`` is the short name figures and tables show (at most :data:`LABEL_MAX`
    characters); JSON output keeps the dotted key. ``PARAMETRISATIONS`` lists the alternative key groups; exactly one must be given
    completely and no key of another group may appear. A family's module subclasses this
    (or :class:`ContinuousFamily`) with ``dist: Literal["name"]`` and its keys, and
    implements ``_build``.
    """

    if TYPE_CHECKING:  # each family's module declares it as ``Literal["name"]``, the union's tag
        dist: str
    source: str | None = None
    label: Annotated[str, Field(min_length=1, max_length=LABEL_MAX)] | None = None
    PARAMETRISATIONS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: The family's keys as ``mcvalue priors new`` lists them, e.g. ``mean + sd | ci90 | quantiles``.
    SYNOPSIS: ClassVar[str]
    #: A valid table of the family (as a prior file writes it): ``tests/test_priors_families.py`` runs the checks every family must pass on it.
    EXAMPLE: ClassVar[dict[str, Any]]
    _dist: Distribution = PrivateAttr()

    def _given(self, key: str) -> bool:
        return getattr(self, key) is not None

    def _number(self, key: str) -> float:
        """Return the number under ``key`` (of the parametrisation :meth:`_choose` found complete)."""
        return cast(float, getattr(self, key))

    def _pair(self, key: str) -> tuple[float, float]:
        """Return the interval under ``key`` (``ci90``, ``ci95``: checked to hold two ordered numbers)."""
        lo, hi = cast(list[float], getattr(self, key))
        return lo, hi

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
        except SolveError as error:
            raise fail(str(error)) from None
        return self

    @property
    def distribution(self) -> Distribution:
        """The validated marginal."""
        return self._dist


class ContinuousFamily(Family):
    """A continuous family: adds ``lower`` / ``upper`` truncation bounds, and a fit to ``quantiles``."""

    lower: float | None = None
    upper: float | None = None
    _misfit: float | None = PrivateAttr(default=None)
    if TYPE_CHECKING:  # every continuous family's module declares it, after its own keys
        quantiles: Quantiles | None

    @classmethod
    def quantile_start(cls, probs: Floats, values: Floats, lam: float) -> tuple[LawOf, list[Floats]]:
        """Return the family's law of unconstrained parameters and its starting points, checking the values' domain."""
        raise NotImplementedError

    def _from_quantiles(self, keys: tuple[str, ...], lam: float = PERT_LAMBDA) -> Continuous:
        """Fit the family to ``quantiles`` (:mod:`~mcvalue.priors.families.quantiles`; ``lam``: a PERT's); the description shows the misfit."""
        law, self._misfit = fit_quantiles(self.dist, self.quantile_start, cast(Mapping[str, float], self.quantiles), lam)
        return self._truncated(law, keys)

    def _truncated(self, law: Law, keys: tuple[str, ...]) -> Continuous:
        """Wrap a family's law with this spec's truncation and source."""
        if self.lower is not None and self.upper is not None and not self.lower < self.upper:
            raise SolveError(f"truncation lower = {self.lower:g} is not below upper = {self.upper:g}")
        dist = Continuous(law, self._label(keys), self.lower, self.upper, self.source)
        with np.errstate(all="ignore"):
            tails, kept = dist.ppf(np.array(TAILS)), dist.kept_mass()
        if not (np.all(np.isfinite(tails)) and math.isfinite(kept)):
            raise SolveError(
                f"{dist.describe()} has p0.1 = {tails[0]:g} and p99.9 = {tails[1]:g}: its quantiles must be finite "
                "numbers; choose parameters of a sane magnitude"
            )
        if not kept > 1e-12:
            raise SolveError(f"truncation to [{self.lower}, {self.upper}] keeps no probability of {dist.label}")
        return dist


class ModeFamily(ContinuousFamily):
    """Shared keys and checks of the min / mode / max families (or their ``quantiles``, fitted).

    A family of this shape gives :meth:`mode_law`, its law on [min, max] with its mode;
    the quantile fit is shared.
    """

    min: float | None = None
    mode: float | None = None
    max: float | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("min", "mode", "max"), ("quantiles",))

    @classmethod
    def mode_law(cls, low: float, mode: float, high: float, lam: float) -> Law:
        """Return the family's law on [low, high] peaking at ``mode`` (``lam``: a PERT's concentration)."""
        raise NotImplementedError

    def _check_order(self) -> None:
        low, mode, high = self._number("min"), self._number("mode"), self._number("max")
        if not (low <= mode <= high and low < high):
            got = f"{low:g}, {mode:g}, {high:g}"
            raise SolveError(f"need min <= mode <= max with min < max (got {got})")

    @classmethod
    def quantile_start(cls, probs: Floats, values: Floats, lam: float) -> tuple[LawOf, list[Floats]]:
        """Return the law of (:class:`~mcvalue.priors.families.quantiles.Support`, logit of the mode's place) and three starts.

        Each start fits the quantile function to the values (least squares in units of the
        range) from the uniform through the outermost quantiles with its mode at a fifth, where
        the median falls, or at four fifths: unlike the CDF, the quantile function is not flat
        where a stated value leaves [min, max], and its kink at the mode makes local minima
        that one start alone can stall in.
        """
        support = Support.of(probs, values)
        low, high = uniform_through(probs, values)
        median_place = min(max((float(np.interp(0.5, probs, values)) - low) / (high - low), 0.05), 0.95)

        def make(theta: Floats) -> Law:
            start, end = support.ends(theta)
            mode = start + (end - start) * special.expit(theta[2])
            return cls.mode_law(start, mode, end, lam)

        def gap(theta: Floats) -> Floats:
            with np.errstate(all="ignore"):
                miss = (floats(make(theta).ppf(probs)) - values) / support.unit
            return np.where(np.isfinite(miss), miss, 1.0)

        from scipy import optimize  # only a prior given by quantiles needs it: kept off `priors show`'s path

        places = (0.2, median_place, 0.8)
        return make, [optimize.least_squares(gap, np.array([*support.theta(low, high), special.logit(p)])).x for p in places]
