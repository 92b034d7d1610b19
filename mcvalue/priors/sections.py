"""The tables of a prior file: cost and benefit quantities, weights, data, run, correlations.

:class:`PriorFile` is a complete file after its ``extends`` chain is merged (see
:mod:`mcvalue.priors.load`).
"""

import math
from typing import TYPE_CHECKING, Annotated, Any, cast

from pydantic import AfterValidator, Field, create_model, model_validator

from mcvalue.priors.base import WEIGHT_TOLERANCE, Strict, fail, suggest
from mcvalue.priors.correlation import conflict_message, first_conflict
from mcvalue.priors.domains import COVERAGE, FRACTION, HEADCOUNT, MONEY, RATIO, THRESHOLD, in_domain
from mcvalue.priors.families.registry import DistSpec
from mcvalue.priors.settings import (
    BENEFIT_METHOD_KEYS,
    BENEFIT_METHODS,
    MIN_DRAWS,
    OPTIONAL_QUANTITIES,
    QUANTITIES,
    REFERENCE_SOURCES,
    STOCK_QUANTITIES,
    TARGET_YEARS,
    Basis,
    CostModel,
    Distribution,
    Mode,
    TrendStructure,
    target_year_problem,
)
from mcvalue.vocab.paper import METHOD_KEYS, THRESHOLD_KEY


class _WeightsBase(Strict):
    """Weights over the costing methods: each in [0, 1], summing to 1 (``activity_threshold`` may be left out: 0)."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> "_WeightsBase":
        total = math.fsum(getattr(self, k) for k in METHOD_KEYS)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise fail(f"weights sum to {total:.12g}, not 1")
        return self

    def as_dict(self) -> dict[str, float]:
        """Return method key -> weight, in METHOD_KEYS order."""
        return {k: float(getattr(self, k)) for k in METHOD_KEYS}


if TYPE_CHECKING:  # a type checker sees the base; pydantic sees one field per costing method
    MethodWeights = _WeightsBase
else:
    MethodWeights = create_model(
        "MethodWeights",
        __base__=_WeightsBase,
        **{k: (Annotated[float, Field(ge=0, le=1)], 0.0 if k == THRESHOLD_KEY else ...) for k in METHOD_KEYS},
    )


Year = Annotated[int, Field(ge=TARGET_YEARS[0], le=TARGET_YEARS[1])]


def _target_year(value: Any) -> Any:
    """Accept what ``--target-year`` accepts (one check: :func:`~mcvalue.priors.spec.target_year_problem`)."""
    problem = target_year_problem(value)
    if problem is not None:
        raise fail(problem)
    return value


def _references(value: str) -> str:
    """Accept a reference source (:data:`REFERENCE_SOURCES`) or a non-empty directory path."""
    if not value.strip():
        raise fail(f"give one of {', '.join(REFERENCE_SOURCES)} or the directory of a collected sample")
    return value


class CostSection(Strict):
    """``[cost.*]``: the cost side's prior quantities, the method weights, the target year and the cost basis.

    The rates ``discount_rate`` and ``depreciation_rate`` may be left out of a file whose
    basis is "flow" (they are drawn only under "stock"; see :data:`mcvalue.priors.spec.BASES`).
    ``activity_threshold`` may be left out when the ``activity_threshold`` method has no weight.
    """

    @model_validator(mode="after")
    def _threshold_given(self) -> "CostSection":
        if self.activity_threshold is None and self.method_weights.as_dict()[THRESHOLD_KEY] > 0:
            raise fail(f"method_weights gives {THRESHOLD_KEY} weight, but the file has no [cost.activity_threshold] to price it by")
        return self

    salary_usd: Annotated[DistSpec, AfterValidator(in_domain(MONEY))]
    fte_fraction_contributor: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))]
    fte_fraction_reference: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))]
    coverage: Annotated[DistSpec, AfterValidator(in_domain(COVERAGE))]
    discount_rate: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))] | None = None
    depreciation_rate: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))] | None = None
    activity_threshold: Annotated[DistSpec, AfterValidator(in_domain(THRESHOLD))] | None = None
    method_weights: MethodWeights
    target_year: Annotated[Any, AfterValidator(_target_year)] = None
    basis: Basis | None = None
    stock_start: Year | None = None
    references: Annotated[str, AfterValidator(_references)] | None = None
    population: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    population_size: Annotated[int, Field(ge=1)] | None = None
    trend_structure: TrendStructure | None = None


class BenefitWeights(Strict):
    """``[benefit.method_weights]``: weights over the benefit methods, each in [0, 1], summing to 1.

    A method left out has weight 0; a file without the table weighs the paper's chain alone.
    """

    chain: Annotated[float, Field(ge=0, le=1)] = 0.0
    market: Annotated[float, Field(ge=0, le=1)] = 0.0
    time_saved: Annotated[float, Field(ge=0, le=1)] = 0.0

    @model_validator(mode="after")
    def _sum_to_one(self) -> "BenefitWeights":
        total = math.fsum(getattr(self, k) for k in BENEFIT_METHOD_KEYS)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise fail(f"weights sum to {total:.12g}, not 1")
        return self

    def as_dict(self) -> dict[str, float]:
        """Return benefit method key -> weight, in BENEFIT_METHOD_KEYS order."""
        return {k: float(getattr(self, k)) for k in BENEFIT_METHOD_KEYS}


#: The weights of a file without ``[benefit.method_weights]``: the paper's chain alone.
CHAIN_ONLY = BenefitWeights(chain=1.0)


class BenefitSection(Strict):
    """``[benefit.*]``: the four factors of the paper's chain, the other benefit methods' quantities, the method weights.

    A benefit method's own quantities (:data:`~mcvalue.priors.settings.BENEFIT_METHODS`) may
    be left out when it has no weight; the chain's four are always given.
    """

    @model_validator(mode="after")
    def _methods_priced(self) -> "BenefitSection":
        for key, weight in self.method_weights.as_dict().items():
            missing = [q for q in BENEFIT_METHODS[key] if getattr(self, q.split(".")[1]) is None]
            if weight > 0 and missing:
                raise fail(
                    f"method_weights gives {key} weight, but the file has no [{missing[0]}] to price it by "
                    f"(the {key} method multiplies {', '.join(BENEFIT_METHODS[key])})"
                )
        return self

    ai_value_usd: Annotated[DistSpec, AfterValidator(in_domain(MONEY))]
    haircut: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))]
    attribution_share: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))]
    mloss_share: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))]
    ai_market_usd: Annotated[DistSpec, AfterValidator(in_domain(MONEY))] | None = None
    value_per_spend: Annotated[DistSpec, AfterValidator(in_domain(RATIO))] | None = None
    developers: Annotated[DistSpec, AfterValidator(in_domain(HEADCOUNT))] | None = None
    mloss_user_share: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))] | None = None
    time_saved_share: Annotated[DistSpec, AfterValidator(in_domain(FRACTION))] | None = None
    practitioner_wage_usd: Annotated[DistSpec, AfterValidator(in_domain(MONEY))] | None = None
    method_weights: BenefitWeights = CHAIN_ONLY


class DataSection(Strict):
    """``[data]``: the sample's mode and, optionally, individual cleaning options."""

    mode: Mode | None = None
    exclude_bots: bool | None = None
    merge_duplicate_repos: bool | None = None
    drop_overlapping_windows: bool | None = None
    correct_top100: bool | None = None
    extra_bots: list[str] | None = None


class RunSection(Strict):
    """``[run]``: Monte Carlo draws, seed and the cost model supplying FTE draws.

    The limits are those of the command line's ``--draws``, ``--seed`` and ``--cost-model``
    (:func:`mcvalue.priors.edit.with_settings`): the same constants, so a file cannot run
    what a flag refuses.
    """

    draws: Annotated[int, Field(ge=MIN_DRAWS)] | None = None
    seed: Annotated[int, Field(ge=0)] | None = None
    cost_model: CostModel | None = None


def _known_quantity(name: str) -> str:
    known = QUANTITIES + STOCK_QUANTITIES + OPTIONAL_QUANTITIES
    if name not in known:
        raise fail(f"unknown quantity '{name}'{suggest(name, known)}")
    return name


class Correlation(Strict):
    """``[[correlations]]``: a rank (Spearman) correlation between two named quantities."""

    between: Annotated[list[Annotated[str, AfterValidator(_known_quantity)]], Field(min_length=2, max_length=2)]
    rho: Annotated[float, Field(gt=-1, lt=1)]

    @model_validator(mode="after")
    def _distinct(self) -> "Correlation":
        if self.between[0] == self.between[1]:
            raise fail(f"a quantity cannot be correlated with itself ({self.between[0]})")
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
            raise fail(f"the pair ({c.between[0]}, {c.between[1]}) is given twice")
        seen.add(pair)
    triples = [(c.between[0], c.between[1], c.rho) for c in correlations]
    bad = first_conflict(triples)
    if bad is not None:
        raise fail(conflict_message(*triples[bad]))
    return correlations


class PriorFile(Strict):
    """A complete prior file after its ``extends`` chain is merged."""

    cost: CostSection
    benefit: BenefitSection
    data: DataSection = DataSection()
    run: RunSection = RunSection()
    correlations: Annotated[list[Correlation], AfterValidator(_consistent)] = []

    def missing(self, names: tuple[str, ...]) -> list[str]:
        """Return the quantities of ``names`` the file does not give (only the stock rates may be absent)."""
        return [q for q in names if self._spec(q) is None]

    def quantities(self, names: tuple[str, ...] = QUANTITIES) -> dict[str, Distribution]:
        """Dotted quantity name -> validated marginal, for ``names`` (e.g. :func:`~mcvalue.priors.spec.drawn_quantities`) in order."""
        return {q: self._given(q).distribution for q in names}

    def labels(self, names: tuple[str, ...] = QUANTITIES) -> dict[str, str]:
        """Dotted quantity name -> the ``label`` its table gives, for those of ``names`` that give one."""
        labels = {q: self._given(q).label for q in names}
        return {q: label for q, label in labels.items() if label is not None}

    def _spec(self, name: str) -> DistSpec | None:
        section, key = name.split(".")
        return cast(DistSpec | None, getattr(getattr(self, section), key))

    def _given(self, name: str) -> DistSpec:
        """Return the table of quantity ``name``, which the file must give."""
        spec = self._spec(name)
        if spec is None:
            raise KeyError(f"the prior file gives no [{name}]")
        return spec
