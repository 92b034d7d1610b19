r"""The Bayesian cost model: contributors, commits and lines of the sampled repos, in PyMC.

Three likelihoods share nothing but the repo index ``r``; each has repo-level log means
partially pooled towards a global intercept. The log means are *centred*
(``log mean_r ~ Normal(intercept, sd)``): every repo has five sampled periods and the
repo-level sds are well away from zero, so the data dominate each repo's mean and the
centred form mixes far better than the non-centred one (in which the intercept and the
average of the standardised effects are strongly correlated: R-hat 1.017 and bulk ESS ~400
on the intercept with 4 x 1000 draws, against ESS > 1,400 centred). The within-repo log-sd
of lines has a repo-level sd near zero, a funnel, so it alone is non-centred
(``log s_r = intercept + sd * z_r``, ``z_r ~ Normal(0, 1)``).

The centred form has its own funnel when a repo's data say little next to the repo-level
sd (a handful of contributor-periods per repo, or repos differing far less than their
standard errors). Calibration on datasets drawn from the priors (benchmarks/sbc.py) meets
that funnel often, as divergent fits with commit_sd biased low; the real sample does not
(137 units pin commit_sd at 0.85 +- 0.07, well away from zero; the per-repo standard errors
of the commit log means have median ~0.34; 0 divergences), and a divergent fit never passes
:mod:`mcvalue.costmodels.pymc.fit`'s checks. Making commits non-centred would remove the funnel at the
price of the real fit's mixing (commit_intercept bulk ESS 710 instead of 5,500 with 4 x 1000
draws), so the commits stay centred.

Active contributors per repo-period (zeros included: a sampled period nobody committed in)::

    n_rp ~ NegBinomial(mean = mu_r, alpha = contrib_alpha)
    log mu_r = contrib_log_mean_r ~ Normal(contrib_intercept, contrib_sd)

Commits per contributor-period (always >= 1: a listed contributor made a commit)::

    c_i - 1 ~ NegBinomial(mean = m_r, alpha = commit_alpha)
    log m_r = commit_log_mean_r ~ Normal(commit_intercept, commit_sd)           E[c | r] = 1 + m_r

Lines modified per contributor-period (added + deleted, >= 0, heavy tailed): a hurdle with
one global probability of zero, and a lognormal body whose log-mean *and* log-sd vary by
repo (the empirical within-repo log-sd runs from 0.4 to 3; the partial pooling decides how
much of that is real rather than fixing one sd, which could misprice the reference repos,
whose mean ``exp(lam + s^2/2)`` is what the costing divides by)::

    P(l_i = 0) = line_zero_prob
    log l_i | l_i > 0 ~ Normal(lam_r, s_r)
    lam_r = line_log_mean_r ~ Normal(line_intercept, line_sd)
    log s_r = line_log_sigma_intercept + line_log_sigma_sd * line_log_sigma_z_r
    E[l | r] = (1 - line_zero_prob) * exp(lam_r + s_r^2 / 2)

The zero probability is global: zeros are rare (3 of 3,895 rows in the flat CSV) and, being
common to every repo, it cancels from the lines FTE (numerator and reference alike).

Exact sufficient statistics make the likelihood cost independent of the row count: the
contributor and commit counts enter as (repo, value, multiplicity) triples (identical
observations contribute identical log-likelihood terms); the lognormal body enters through
per-repo ``n``, ``sum log l`` and ``sum (log l)^2``; the hurdle through the zero count and
total. The only terms dropped are constants (``-sum log l`` and ``2 pi``).

Priors on the model's own parameters (weakly informative, on the log scale of the data):

=========================  =====================  ==========================================
parameter                  prior                  why
=========================  =====================  ==========================================
contrib_intercept          Normal(1, 2)           log mean contributors per period; 95%
                                                  prior range 0.05 to 150 contributors
contrib_sd                 HalfNormal(1.5)        repos differ by up to ~2 orders of
                                                  magnitude in team size
contrib_inv_sqrt_alpha     HalfNormal(1)          1/sqrt(alpha) (Stan's recommendation for
                                                  NB dispersion); 0 = Poisson
commit_intercept           Normal(1, 2)           log mean extra commits (beyond the first)
commit_sd                  HalfNormal(1)          repo differences in commits per person
commit_inv_sqrt_alpha      HalfNormal(1)          as for contributors
line_intercept             Normal(4, 3)           log lines: median ~55, 95% range 0.1-20k
line_sd                    HalfNormal(1.5)        repo differences in typical change size
line_log_sigma_intercept   Normal(0.5, 1)         within-repo log-sd of lines, median 1.6
line_log_sigma_sd          HalfNormal(0.5)        repos differ in how heavy their tails are
line_zero_prob             Beta(1, 9)             zero-line contributor-periods are rare
                                                  (prior mean 0.1) but not impossible
=========================  =====================  ==========================================

Derived quantities are computed from the posterior in numpy (:func:`expected_units` and
:func:`fte_from_params`), so that the FTE formula is one plain function, testable by hand.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mcvalue.errors import DataError
from mcvalue.paper import METHODS, REFERENCE_REPOS

if TYPE_CHECKING:
    import pymc as pm

    from mcvalue.data.tables import Sample

#: Changes whenever the model's structure changes, so cached posteriors are refitted.
MODEL_VERSION = "cost-model-3"

#: The hyperparameters (scalars) of the model, reported and checked in parameter recovery.
HYPERPARAMETERS: tuple[str, ...] = (
    "contrib_intercept",
    "contrib_sd",
    "contrib_inv_sqrt_alpha",
    "commit_intercept",
    "commit_sd",
    "commit_inv_sqrt_alpha",
    "line_intercept",
    "line_sd",
    "line_log_sigma_intercept",
    "line_log_sigma_sd",
    "line_zero_prob",
)

#: The per-repo parameters (log means centred; the log-sd effect standard normal).
REPO_EFFECTS: tuple[str, ...] = ("contrib_log_mean", "commit_log_mean", "line_log_mean", "line_log_sigma_z")


@dataclass(frozen=True)
class ModelPriors:
    """Scales of the priors in the module docstring (their defaults are those priors)."""

    contrib_intercept_mu: float = 1.0
    contrib_intercept_sigma: float = 2.0
    contrib_sd_scale: float = 1.5
    commit_intercept_mu: float = 1.0
    commit_intercept_sigma: float = 2.0
    commit_sd_scale: float = 1.0
    inv_sqrt_alpha_scale: float = 1.0
    line_intercept_mu: float = 4.0
    line_intercept_sigma: float = 3.0
    line_sd_scale: float = 1.5
    line_log_sigma_mu: float = 0.5
    line_log_sigma_sigma: float = 1.0
    line_log_sigma_sd_scale: float = 0.5
    line_zero_alpha: float = 1.0
    line_zero_beta: float = 9.0

    def settings(self) -> dict:
        """JSON-ready model settings, hashed into the posterior cache key."""
        return {"model_version": MODEL_VERSION, "priors": asdict(self)}


@dataclass(frozen=True)
class ModelData:
    """The sample reduced to what the likelihood needs, plus raw rows for model checking.

    A "repo" r is a sampled unit, a tool and its GitHub repository, as in Table 1 (two tools
    sharing a repository are two units unless the cleaning merged them).

    repos:            label of each unit (the GitHub repo, plus the tool if it is shared)
    unit_repos:       GitHub "owner/name" of each unit (used to find the reference repos)
    period_repo:      (P,) unit index of each sampled repo-period
    period_contributors: (P,) active contributors in it (zeros included)
    contrib_repo, contrib_commits, contrib_lines: (N,) one entry per contributor-period
        (lines as float: integers in real data, continuous in simulated data)
    """

    repos: tuple[str, ...]
    unit_repos: tuple[str, ...]
    period_repo: np.ndarray
    period_contributors: np.ndarray
    contrib_repo: np.ndarray
    contrib_commits: np.ndarray
    contrib_lines: np.ndarray

    @property
    def n_repos(self) -> int:
        """Number of units R."""
        return len(self.repos)

    def digest(self) -> str:
        """sha256 of the arrays and unit names: identifies the cleaned data in cache keys."""
        h = hashlib.sha256(json.dumps([list(self.repos), list(self.unit_repos)]).encode())
        for arr in (self.period_repo, self.period_contributors, self.contrib_repo, self.contrib_commits):
            h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(self.contrib_lines, dtype=np.float64).tobytes())
        return h.hexdigest()


def model_data_from_tables(periods: pd.DataFrame, contributions: pd.DataFrame) -> ModelData:
    """Build :class:`ModelData` from the tidy tables of :class:`mcvalue.data.tables.Sample`.

    Units are (tool, repo) pairs of the periods table. Raises DataError if a
    contributor-period has no commit (the commits model needs >= 1), negative lines, or a
    (tool, repo) missing from the periods table.
    """
    units = sorted(set(zip(periods["tool"], periods["repo"], strict=False)), key=lambda u: (u[1], u[0]))
    shared = {repo for _, repo in units if sum(r == repo for _, r in units) > 1}
    labels = tuple(f"{repo} ({tool})" if repo in shared else repo for tool, repo in units)
    index = {u: i for i, u in enumerate(units)}
    contrib_units = list(zip(contributions["tool"], contributions["repo"], strict=False))
    unknown = sorted({f"{t}/{r}" for t, r in contrib_units if (t, r) not in index})
    if unknown:
        raise DataError(f"contributions name repos with no sampled period: {', '.join(unknown[:5])}")
    commits = contributions["commits"].to_numpy(dtype=np.int64)
    lines = contributions["lines"].to_numpy(dtype=np.float64)
    if (commits < 1).any():
        raise DataError(f"{int((commits < 1).sum())} contributor-periods have no commit; the cost model needs >= 1")
    if (lines < 0).any():
        raise DataError(f"{int((lines < 0).sum())} contributor-periods have negative lines")
    return ModelData(
        repos=labels,
        unit_repos=tuple(repo for _, repo in units),
        period_repo=np.array([index[u] for u in zip(periods["tool"], periods["repo"], strict=False)], dtype=np.int64),
        period_contributors=periods["contributors"].to_numpy(dtype=np.int64),
        contrib_repo=np.array([index[u] for u in contrib_units], dtype=np.int64),
        contrib_commits=commits,
        contrib_lines=lines,
    )


def model_data_from_sample(sample: Sample) -> ModelData:
    """:func:`model_data_from_tables` on a loaded sample."""
    return model_data_from_tables(sample.periods, sample.contributions)


def _value_counts(repo: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (repo, value) pairs and their multiplicities: exact compression of iid counts."""
    pairs, weights = np.unique(np.stack([repo, value], axis=1), axis=0, return_counts=True)
    return pairs[:, 0], pairs[:, 1], weights


def line_statistics(data: ModelData) -> dict[str, np.ndarray]:
    """Per-repo sufficient statistics of the lines hurdle-lognormal (exact).

    n_pos, sum_log, sum_log2: count, sum and sum of squares of log lines over positive rows;
    n_zero, n_total: the hurdle's zero count and row count (summed over repos: it is global).
    """
    pos = data.contrib_lines > 0
    logs = np.log(data.contrib_lines[pos].astype(float))
    rep = data.contrib_repo[pos]
    r = data.n_repos
    return {
        "n_pos": np.bincount(rep, minlength=r).astype(float),
        "sum_log": np.bincount(rep, weights=logs, minlength=r),
        "sum_log2": np.bincount(rep, weights=logs**2, minlength=r),
        "n_zero": np.array(float((~pos).sum())),
        "n_total": np.array(float(pos.size)),
    }


def build_model(data: ModelData, priors: ModelPriors = ModelPriors()) -> pm.Model:
    """Return the PyMC model of the module docstring, on exact sufficient statistics."""
    import pymc as pm
    import pytensor.tensor as pt

    coords = {"repo": list(data.repos)}
    p_repo, p_val, p_w = _value_counts(data.period_repo, data.period_contributors)
    c_repo, c_val, c_w = _value_counts(data.contrib_repo, data.contrib_commits - 1)
    stats = line_statistics(data)
    with pm.Model(coords=coords) as model:
        contrib_intercept = pm.Normal("contrib_intercept", priors.contrib_intercept_mu, priors.contrib_intercept_sigma)
        contrib_sd = pm.HalfNormal("contrib_sd", priors.contrib_sd_scale)
        log_mu = pm.Normal("contrib_log_mean", contrib_intercept, contrib_sd, dims="repo")
        contrib_isa = pm.HalfNormal("contrib_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)

        contrib_dist = pm.NegativeBinomial.dist(mu=pt.exp(log_mu[p_repo]), alpha=1.0 / contrib_isa**2)
        pm.Potential("contributors_loglik", pt.sum(p_w * pm.logp(contrib_dist, p_val)))

        commit_intercept = pm.Normal("commit_intercept", priors.commit_intercept_mu, priors.commit_intercept_sigma)
        commit_sd = pm.HalfNormal("commit_sd", priors.commit_sd_scale)
        log_m = pm.Normal("commit_log_mean", commit_intercept, commit_sd, dims="repo")
        commit_isa = pm.HalfNormal("commit_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)

        commit_dist = pm.NegativeBinomial.dist(mu=pt.exp(log_m[c_repo]), alpha=1.0 / commit_isa**2)
        pm.Potential("commits_loglik", pt.sum(c_w * pm.logp(commit_dist, c_val)))

        line_intercept = pm.Normal("line_intercept", priors.line_intercept_mu, priors.line_intercept_sigma)
        line_sd = pm.HalfNormal("line_sd", priors.line_sd_scale)
        lam = pm.Normal("line_log_mean", line_intercept, line_sd, dims="repo")
        ls_intercept = pm.Normal("line_log_sigma_intercept", priors.line_log_sigma_mu, priors.line_log_sigma_sigma)
        ls_sd = pm.HalfNormal("line_log_sigma_sd", priors.line_log_sigma_sd_scale)
        ls_z = pm.Normal("line_log_sigma_z", 0.0, 1.0, dims="repo")

        log_s = ls_intercept + ls_sd * ls_z
        n, s1, s2 = stats["n_pos"], stats["sum_log"], stats["sum_log2"]
        quad = s2 - 2.0 * lam * s1 + n * lam**2
        pm.Potential("lines_body_loglik", pt.sum(-n * log_s - 0.5 * quad * pt.exp(-2.0 * log_s)))
        zero_prob = pm.Beta("line_zero_prob", priors.line_zero_alpha, priors.line_zero_beta)
        n_zero, n_total = stats["n_zero"], stats["n_total"]
        pm.Potential("lines_zero_loglik", n_zero * pt.log(zero_prob) + (n_total - n_zero) * pt.log1p(-zero_prob))
    return model


def repo_params(posterior: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-repo natural-scale parameters from draws of the model's parameters.

    ``posterior`` maps each parameter name to an array whose leading axis is the draw
    (scalars: (D,), repo effects: (D, R)). Returns (D, R) arrays: contributors mean ``mu``,
    extra-commit mean ``m``, lines log-mean ``lam`` and log-sd ``s``; and (D,) dispersions
    ``contrib_alpha``, ``commit_alpha`` and ``line_zero_prob``.
    """
    col = lambda name: np.asarray(posterior[name], dtype=float)[:, None]  # noqa: E731
    return {
        "mu": np.exp(np.asarray(posterior["contrib_log_mean"], dtype=float)),
        "m": np.exp(np.asarray(posterior["commit_log_mean"], dtype=float)),
        "lam": np.asarray(posterior["line_log_mean"], dtype=float),
        "s": np.exp(col("line_log_sigma_intercept") + col("line_log_sigma_sd") * posterior["line_log_sigma_z"]),
        "contrib_alpha": 1.0 / np.asarray(posterior["contrib_inv_sqrt_alpha"], dtype=float) ** 2,
        "commit_alpha": 1.0 / np.asarray(posterior["commit_inv_sqrt_alpha"], dtype=float) ** 2,
        "line_zero_prob": np.asarray(posterior["line_zero_prob"], dtype=float),
    }


def expected_units(params: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """Return expected units per contributor-period and per period, for each repo, (D, R) each.

    Returns ``{"per_contributor": {unit: ...}, "per_period": {unit: ...}}`` for the units
    contributors, commits and lines. Per period = expected contributors * expected units per
    contributor-period (the model makes them independent given the repo).
    """
    mu, m, lam, s = params["mu"], params["m"], params["lam"], params["s"]
    per_contrib = {
        "contributors": np.ones_like(mu),
        "commits": 1.0 + m,
        "lines": (1.0 - params["line_zero_prob"])[:, None] * np.exp(lam + 0.5 * s**2),
    }
    return {"per_contributor": per_contrib, "per_period": {u: mu * v for u, v in per_contrib.items()}}


def fte_from_params(params: dict[str, np.ndarray], unit_repos: tuple[str, ...]) -> np.ndarray:
    """(D, 5) FTE draws in METHOD_KEYS order.

    FTE = sum over repos of expected units per period / the reference repo's expected units
    per contributor-period; for the contributors method the denominator is 1, so FTE is the
    sum of expected active contributors per period. ``unit_repos`` gives each unit's GitHub
    repo; the reference is the first unit of the reference repo. Raises DataError if a
    reference repo is not in the sample.
    """
    units = expected_units(params)
    out = np.empty((params["mu"].shape[0], len(METHODS)))
    for j, method in enumerate(METHODS):
        ref = REFERENCE_REPOS[method.reference]
        if ref not in unit_repos:
            raise DataError(f"reference repo {ref} is not in the sample")
        total = units["per_period"][method.unit].sum(axis=1)
        out[:, j] = total / units["per_contributor"][method.unit][:, unit_repos.index(ref)]
    return out


def simulate_data(
    params: dict[str, np.ndarray], period_repo: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Replicate the sample from per-repo parameters (one draw: (R,) arrays, scalars).

    ``params`` is :func:`repo_params` output for a single draw. Returns
    (period_contributors (P,), contrib_repo (N,), contrib_commits (N,), contrib_lines (N,)),
    with contributor rows for each period drawn from the repo's commit and line models.
    Lines are left continuous (the model's lognormal body), so simulated data follow the
    model exactly; observed lines are integers.
    Used for posterior predictive checks, parameter recovery and calibration.
    """
    mu = params["mu"][period_repo]
    n = _negbin(mu, float(params["contrib_alpha"]), rng)
    contrib_repo = np.repeat(period_repo, n)
    commits = 1 + _negbin(params["m"][contrib_repo], float(params["commit_alpha"]), rng)
    lines = np.exp(rng.normal(params["lam"][contrib_repo], params["s"][contrib_repo]))
    lines[rng.random(lines.size) < float(params["line_zero_prob"])] = 0.0
    return n, contrib_repo, commits, lines


def _negbin(mean: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Negative binomial draws with the given mean and PyMC's alpha (var = mu + mu^2/alpha).

    The gamma rate is capped at 1e15 so that a wild draw of an unconverged fit (whose PPC
    is reported as unreliable anyway) cannot overflow numpy's Poisson sampler; NaN rates
    (an infinite dispersion) give 0.
    """
    rate = np.nan_to_num(rng.gamma(alpha, mean / alpha), nan=0.0, posinf=1e15)
    return rng.poisson(np.clip(rate, 0.0, 1e15))
