r"""The Bayesian cost model (version 2): contributors, commits and lines with time trends and window effects.

Estimand. The FTE of the sampled repos' development activity *in a target year* (default
2021, the last full year the sample covers). The sampled two-week windows run from 2009 to
2022, and activity changes over a project's life, so every likelihood carries a time trend:
a global yearly log-growth plus partially pooled repo deviations. Each window is dated by
its midpoint ``t`` (decimal years, centred at :data:`TIME_ORIGIN`). ``target_year =
"average"`` gives version 1's estimand instead: each repo's expectation averaged over its
own sampled windows' dates (the long-run average of the sampled activity); with zero trends
both coincide.

Three likelihoods share nothing but the repo index ``r`` and the window dates. A repo's log
means are *centred* (``a_r ~ Normal(intercept, sd)``) when the repo has at least
:data:`CENTRE_MIN_ROWS` contributor-periods (positive-lines rows for the lines mean): its
data pin them. Elsewhere they are *non-centred* (``a_r = intercept + sd *
raw_r``): a repo with few or no rows is informed by the prior alone, and under a centred form
it makes the funnel NUTS cannot cross when ``sd`` is small. The sampled vectors are
``*_raw`` (one per effect, mixing both forms); the log means are kept as deterministics.
The repo trend deviations, the lines log-sd effects and the window effects are always
non-centred (``b_r = trend_sd * z_r``, ``e_w = window_sd * z_w``): few data inform each, and
their sds can be near zero. Centring the lines log-sds of repos with >= 10 rows (version 6)
was rejected by simulation-based calibration: prior datasets with ``line_log_sigma_sd`` of
0.024 and 0.001 (plausible: the real sample pools the log-sds closely) got 514 and 197
divergent transitions.
Centring the trend deviations of data-rich repos as well was measured and rejected: the
real fit's ``commit_trend_sd`` R-hat rose to 1.036 and a prior dataset got 370 divergences.

Active contributors per repo-period ``p`` (zeros included; sync accounts excluded)::

    n_p ~ NegBinomial(mean = mu_p, alpha = contrib_alpha)
    log mu_p = contrib_log_mean_r + (contrib_trend + contrib_trend_sd * contrib_trend_z_r) * t_p

(one observation per window: a window effect would be indistinguishable from the NB
dispersion, so contributors have none).

Commits per contributor-period ``i`` of window ``w`` (always >= 1; sync accounts excluded)::

    c_i - 1 ~ NegBinomial(mean = m_i, alpha = commit_alpha)
    log m_i = commit_log_mean_r + commit_slope_r * t_w + commit_window_sd * commit_window_z_w

Lines modified per contributor-period (added + deleted, >= 0, heavy tailed): a hurdle with
one global probability of zero, and a lognormal body with a repo log-sd::

    P(l_i = 0) = line_zero_prob
    log l_i | l_i > 0 ~ Normal(lam_w, s_r)
    lam_w = line_log_mean_r + line_slope_r * t_w + line_window_sd * line_window_z_w
    log s_r = line_log_sigma_intercept + line_log_sigma_sd * line_log_sigma_z_r

The lines window effects are integrated out exactly (a window's log lines are jointly
normal, see :func:`mcvalue.costmodels.pymc.graph._lines_body_loglik`), so only ``line_window_sd`` is sampled: 549 fewer
dimensions (in one 1,500-draw chain of the real sample, the bulk ESS of
``line_log_sigma_sd`` rose from 234 to 405 and ``line_window_sd`` left the five worst).

Window effects are what makes the contributor-periods of one window dependent (PyTorch's
two informative windows average 7.5 and 3.2 commits per contributor); integrated over a
new window they inflate each repo's expected units by ``exp(window_sd^2 / 2)``, and their
uncertainty widens the reference repos' intervals to what window-to-window variation
allows. Only windows with at least one contributor-period get an effect (the others have
no commit or line data).

Expected values at time ``t`` (windows integrated out)::

    E[n | r, t] = mu_r(t) = exp(contrib_log_mean_r + contrib_slope_r t)
    E[c | r, t] = 1 + exp(commit_log_mean_r + commit_slope_r t + commit_window_sd^2 / 2)
    E[l | r, t] = (1 - line_zero_prob) exp(line_log_mean_r + line_slope_r t + s_r^2 / 2 + line_window_sd^2 / 2)

Sync accounts (``Sample.contributions["sync"]``: export bots such as
``tensorflower-gardener`` that publish work engineers did inside a company) are not one
engineer: their rows are left out of the per-contributor likelihoods, hence out of the
reference means, but their units are real work. Each repo's *observed mean sync units per
sampled period* (``Sample.periods["sync_commits"]``, ``["sync_lines"]``, divided by the
repo's period count) is added to its expected units per period in the FTE numerator, as a
constant: the sample cannot support a trend of its own for the two or three repos that
have sync accounts. Samples without those columns (older data layers) have no sync units.

Exact sufficient statistics keep the likelihood cost independent of the row count: the
negative binomials through each group's (period's, window's) row count and sum plus the
multiplicity of each distinct value (:func:`mcvalue.costmodels.pymc.graph.negbin_statistics`), the lognormal body through
per-window ``n``, mean and within-window sum of squares of ``log l``, the hurdle through the zero count and
total. Only constants are dropped (``-sum log l`` and ``n/2 log 2 pi`` of the lines body).

Priors on the model's own parameters (weakly informative, on the log scale of the data):

=========================  =====================  ==========================================
parameter                  prior                  why
=========================  =====================  ==========================================
contrib_intercept          Normal(1, 1)           log mean contributors per period in 2020:
                                                  95% range 0.4 to 19 for a typical repo
contrib_sd                 LogNormal(log 1, 0.4)  repos differ by ~1-2 orders of magnitude;
                                                  90% range 0.52-1.9 (see below)
contrib_inv_sqrt_alpha     HalfNormal(0.75)       1/sqrt(alpha) (Stan's recommendation)
commit_intercept           Normal(1, 1)           log mean extra commits (beyond the first)
commit_sd                  LogNormal(log 0.6,     repo differences in commits per person:
                           0.4)                   90% range 0.31-1.2
commit_inv_sqrt_alpha      HalfNormal(0.75)       as for contributors
line_intercept             Normal(5, 1.5)         log lines: median ~150, 95% range 8-3,000
line_sd                    LogNormal(log 0.8,     repo differences in typical change size:
                           0.4)                   90% range 0.41-1.6
line_log_sigma_intercept   Normal(0.5, 1)         within-repo log-sd of lines, median 1.6
line_log_sigma_sd          HalfNormal(0.5)        repos differ in how heavy their tails are
line_zero_prob             Beta(1, 9)             zero-line contributor-periods are rare
*_trend                    Normal(0, 0.1)         yearly log-growth; 95% prior range
                                                  -18% to +22% a year
*_trend_sd                 LogNormal(log 0.12,    repos' growth differs by ~12%/yr; 90% range
                           0.5)                   0.053-0.27 (see below; the real sample puts
                                                  contrib_trend_sd near 0.19, commit 0.11)
commit_window_sd           HalfNormal(0.5)        windows of one repo differ by a factor ~1.6
line_window_sd             HalfNormal(1)          lines vary more between windows
=========================  =====================  ==========================================

The between-repo sds of the log means have *boundary-avoiding* priors (since version 6; they were
half-normals). An sd near zero says that 139 repos, from TensorFlow to one-person tools,
share one mean within a few percent: not a belief anyone holds, and the neck of the funnel
in which simulation-based calibration's fits of prior datasets failed (on 51 datasets of
version 5, 47 failed a convergence gate; 22% of the half-normal prior's commit_sd draws lay
below 0.15). The real posterior medians (contrib_sd 1.19, commit_sd 0.80, line_sd 0.71)
lie well inside the new priors' 90% ranges, and the data (139 repos) dominate them. A log-sd
of 0.6 was tried first: its right tail (contrib_sd up to ~3) gave prior datasets of up to
1.7 billion contributor-periods (99th percentile 8.8 million); 0.4 gives 709 to 32,640
expected rows (5%-95%), 99th percentile 157,000.

The repo trend sds have boundary-avoiding lognormal priors too (version 8; they were
HalfNormal(0.15)). Under the half-normal the real posterior of ``commit_trend_sd``
(median 0.11) kept a tail down to 0.001, the neck of the non-centred trends' funnel: with
code compiled for a portable x86-64 level instead of the host CPU the default seed's fit
mixed so slowly there that its tail ESS fell to 95 (gate 400). A trend sd of 0.001 says
that 139 repos, from TensorFlow to one-person tools, grow at rates equal within 0.1% a
year: not a belief anyone holds.

The scales were narrowed from version 1's after a prior predictive check on the real
design (``mcvalue calibrate``, then ``benchmarks/sbc.py``): version 1's scales with a trend of sd 0.2 a year gave
samples of 165 to 222,000 contributor-periods (5%-95%) and mean commits per row up to
560; these scales give 568 to 29,896 (median 3,208) and 1.7 to 49; the real sample has
3,770 (clean mode, sync rows excluded).

Derived quantities are computed from the posterior in numpy (:func:`mcvalue.costmodels.pymc.derived.expected_units` and
:func:`mcvalue.costmodels.pymc.derived.fte_from_params`), so that the FTE formula is one plain function, testable by hand.

This module holds the model's definition: its version, parameter names, prior scales and
estimand, all that the posterior cache key and the reports need without pymc. The data
it is fitted to is :mod:`mcvalue.costmodels.pymc.model_data`, the PyMC graph
:mod:`mcvalue.costmodels.pymc.graph`, the quantities derived from draws
:mod:`mcvalue.costmodels.pymc.derived`, simulated replicates
:mod:`mcvalue.costmodels.pymc.replicate`.
"""


from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, TypedDict

#: Changes whenever the model's structure changes, so cached posteriors are refitted.
MODEL_VERSION = "cost-model-8"

#: A repo's log mean is centred when it has at least this many rows of data.
CENTRE_MIN_ROWS = 10

#: Window dates are measured in years from this origin (mid-2020, the sample's median window).
TIME_ORIGIN = 2020.5

#: The likelihoods and the prefix of their parameters.
LIKELIHOODS: dict[str, str] = {"contributors": "contrib", "commits": "commit", "lines": "line"}

#: The hyperparameters (scalars) of the model, reported and checked in parameter recovery.
HYPERPARAMETERS: tuple[str, ...] = (
    "contrib_intercept",
    "contrib_sd",
    "contrib_inv_sqrt_alpha",
    "contrib_trend",
    "contrib_trend_sd",
    "commit_intercept",
    "commit_sd",
    "commit_inv_sqrt_alpha",
    "commit_trend",
    "commit_trend_sd",
    "commit_window_sd",
    "line_intercept",
    "line_sd",
    "line_log_sigma_intercept",
    "line_log_sigma_sd",
    "line_zero_prob",
    "line_trend",
    "line_trend_sd",
    "line_window_sd",
)

#: The sampled per-repo vectors: the partially centred ``*_raw`` log means (see the module
#: docstring), the standardised trend deviations and lines log-sd effects. Convergence is checked on these.
REPO_EFFECTS: tuple[str, ...] = (
    "contrib_log_mean_raw",
    "commit_log_mean_raw",
    "line_log_mean_raw",
    "line_log_sigma_z",
    "contrib_trend_z",
    "commit_trend_z",
    "line_trend_z",
)

#: Per-repo values the raw vectors give (deterministics): the log means (what :func:`mcvalue.costmodels.pymc.derived.repo_params` reads).
REPO_VALUES: tuple[str, ...] = ("contrib_log_mean", "commit_log_mean", "line_log_mean")

#: The sampled per-window effects (standard normal, scaled by the window sd; the lines'
#: window effects are integrated out exactly, see :func:`mcvalue.costmodels.pymc.graph._lines_body_loglik`).
WINDOW_EFFECTS: tuple[str, ...] = ("commit_window_z",)

#: A target year: a calendar year, or :data:`AVERAGE` ("average", the paper's long-run average).
TargetYear = int | str


class GrowthSummary(TypedDict):
    """A likelihood's global yearly growth factor ``exp(trend)``: posterior median and 90% interval."""

    median: float
    ci90: list[float]


@dataclass(frozen=True)
class ModelPriors:
    """Scales of the priors in the module docstring (their defaults are those priors)."""

    contrib_intercept_mu: float = 1.0
    contrib_intercept_sigma: float = 1.0
    contrib_sd_median: float = 1.0
    commit_intercept_mu: float = 1.0
    commit_intercept_sigma: float = 1.0
    commit_sd_median: float = 0.6
    inv_sqrt_alpha_scale: float = 0.75
    line_intercept_mu: float = 5.0
    line_intercept_sigma: float = 1.5
    line_sd_median: float = 0.8
    line_log_sigma_mu: float = 0.5
    line_log_sigma_sigma: float = 1.0
    line_log_sigma_sd_scale: float = 0.5
    line_zero_alpha: float = 1.0
    line_zero_beta: float = 9.0
    repo_sd_log_sigma: float = 0.4
    trend_sigma: float = 0.1
    trend_sd_median: float = 0.12
    trend_sd_log_sigma: float = 0.5
    commit_window_sd_scale: float = 0.5
    line_window_sd_scale: float = 1.0

    def settings(self) -> dict[str, Any]:
        """JSON-ready model settings, hashed into the posterior cache key."""
        return {"model_version": MODEL_VERSION, "time_origin": TIME_ORIGIN, "priors": asdict(self)}
