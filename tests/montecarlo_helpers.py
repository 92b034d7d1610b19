"""Test doubles for the Monte Carlo tests: distributions and scenarios built in code.

``ScipyDistribution`` wraps a frozen scipy.stats distribution so tests do not depend on
the prior-file layer; it satisfies :class:`mcvalue.priors.spec.Distribution`.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from mcvalue.data.tables import CleaningOptions, Sample
from mcvalue.priors.families.point import Point as PointMass  # noqa: F401 - re-exported for the tests
from mcvalue.priors.spec import DataSettings, RunSettings, Scenario
from mcvalue.vocab.paper import TABLE1_KEYS


@dataclass
class ScipyDistribution:
    """A marginal sampled by inverse CDF of a frozen scipy.stats distribution."""

    frozen: object
    source: str | None = None

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return self.frozen.ppf(q)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ppf(rng.random(n))

    def describe(self) -> str:
        return f"scipy {self.frozen.dist.name}{self.frozen.args}"


def lognormal(median: float, sigma: float) -> ScipyDistribution:
    """Lognormal with the given median and log-sd."""
    return ScipyDistribution(stats.lognorm(s=sigma, scale=median))


#: (median, log-sd) of every quantity in the all-lognormal scenario.
LOGNORMAL_PARAMETERS: dict[str, tuple[float, float]] = {
    "cost.salary_usd": (2.5e5, 0.3),
    "cost.fte_fraction_contributor": (0.4, 0.35),
    "cost.fte_fraction_reference": (0.6, 0.25),
    "cost.coverage": (1.5, 0.1),
    "benefit.ai_value_usd": (4e12, 0.15),
    "benefit.haircut": (0.1, 0.7),
    "benefit.attribution_share": (0.1, 0.4),
    "benefit.mloss_share": (0.5, 0.3),
}

#: The paper's point values (section 3; Table 1 salary).
PAPER_POINTS: dict[str, float] = {
    "cost.salary_usd": 300e3,
    "cost.fte_fraction_contributor": 1.0,
    "cost.fte_fraction_reference": 1.0,
    "cost.coverage": 1.0,
    "benefit.ai_value_usd": 3e12,
    "benefit.haircut": 0.1,
    "benefit.attribution_share": 0.1,
    "benefit.mloss_share": 1.0,
}


def make_scenario(
    quantities: dict,
    weights: dict[str, float] | None = None,
    correlations: dict[tuple[str, str], float] | None = None,
    draws: int = 20_000,
) -> Scenario:
    """Return a Scenario built in code (equal method weights unless given)."""
    if weights is None:
        weights = {key: 1 / len(TABLE1_KEYS) for key in TABLE1_KEYS}
    return Scenario(
        quantities=dict(quantities),
        method_weights=weights,
        correlations=dict(correlations or {}),
        data=DataSettings(),
        run=RunSettings(draws=draws, seed=1, cost_model="bootstrap"),
    )


def lognormal_scenario(**kwargs) -> Scenario:
    """Every quantity lognormal with LOGNORMAL_PARAMETERS."""
    return make_scenario({k: lognormal(m, s) for k, (m, s) in LOGNORMAL_PARAMETERS.items()}, **kwargs)


def make_sample(period_rows: list[dict]) -> Sample:
    """Return a Sample from per-period dicts {tool, repo, rows: [(commits, lines), ...]}.

    Each period gets its own two-week window; contributors are one row per tuple.
    """
    contributions, periods = [], []
    for i, period in enumerate(period_rows):
        start = pd.Timestamp("2020-01-01") + pd.Timedelta(days=14 * i)
        end = start + pd.Timedelta(days=14)
        for u, (commits, lines) in enumerate(period["rows"]):
            contributions.append(
                dict(tool=period["tool"], repo=period["repo"], period_start=start, period_end=end,
                     user=f"user{u}", commits=commits, lines_added=lines, lines_deleted=0, lines=lines, sync=False)
            )
        periods.append(
            dict(tool=period["tool"], repo=period["repo"], period_start=start, period_end=end,
                 contributors=len(period["rows"]),
                 commits=sum(c for c, _ in period["rows"]),
                 lines_added=sum(x for _, x in period["rows"]), lines_deleted=0,
                 lines=sum(x for _, x in period["rows"]), sync_commits=0, sync_lines=0)
        )
    return Sample(
        contributions=pd.DataFrame(contributions),
        periods=pd.DataFrame(periods),
        mode="corrected",
        cleaning=CleaningOptions(),
        file_sha256={},
    )
