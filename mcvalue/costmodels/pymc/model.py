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
normal, see :func:`_lines_body_loglik`), so only ``line_window_sd`` is sampled: 549 fewer
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
multiplicity of each distinct value (:func:`negbin_statistics`), the lognormal body through
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

Derived quantities are computed from the posterior in numpy (:func:`expected_units` and
:func:`fte_from_params`), so that the FTE formula is one plain function, testable by hand.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from mcvalue.errors import DataError
from mcvalue.priors.settings import AVERAGE_TARGET as AVERAGE
from mcvalue.priors.settings import DEFAULT_TARGET_YEAR
from mcvalue.vocab.paper import METHODS, REFERENCE_REPOS

if TYPE_CHECKING:
    import pandas as pd
    import pymc as pm

    from mcvalue.data.tables import Sample

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

#: Per-repo values the raw vectors give (deterministics): the log means (what :func:`repo_params` reads).
REPO_VALUES: tuple[str, ...] = ("contrib_log_mean", "commit_log_mean", "line_log_mean")

#: The sampled per-window effects (standard normal, scaled by the window sd; the lines'
#: window effects are integrated out exactly, see :func:`_lines_body_loglik`).
WINDOW_EFFECTS: tuple[str, ...] = ("commit_window_z",)

#: A target year: a calendar year, or :data:`AVERAGE` ("average", the paper's long-run average).
TargetYear = int | str


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

    def settings(self) -> dict:
        """JSON-ready model settings, hashed into the posterior cache key."""
        return {"model_version": MODEL_VERSION, "time_origin": TIME_ORIGIN, "priors": asdict(self)}


@dataclass(frozen=True)
class ModelData:
    """The sample reduced to what the likelihood needs, plus raw rows for model checking.

    A "repo" r is a sampled unit, a tool and its GitHub repository, as in Table 1 (two tools
    sharing a repository are two units unless the cleaning merged them).

    repos:            label of each unit (the GitHub repo, plus the tool if it is shared)
    unit_repos:       GitHub "owner/name" of each unit (used to find the reference repos)
    period_repo:      (P,) unit index of each sampled repo-period (a window)
    period_contributors: (P,) active contributors in it (zeros included, sync accounts not)
    period_time:      (P,) the window's midpoint in decimal years
    contrib_period:   (N,) window index of each contributor-period (sync accounts excluded)
    contrib_commits, contrib_lines: (N,) its commits and lines (lines as float: integers in
        real data, continuous in simulated data)
    period_sync_commits, period_sync_lines: (P,) the sync accounts' units in each window
        (zeros when there are none)
    reference_only:   (R,) True for a unit that only prices a reference (fitted, left out of the
        FTE sums; :mod:`mcvalue.costmodels.references`); empty when there is none
    """

    repos: tuple[str, ...]
    unit_repos: tuple[str, ...]
    period_repo: np.ndarray
    period_contributors: np.ndarray
    period_time: np.ndarray
    contrib_period: np.ndarray
    contrib_commits: np.ndarray
    contrib_lines: np.ndarray
    period_sync_commits: np.ndarray = field(default_factory=lambda: np.zeros(0))
    period_sync_lines: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reference_only: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n_repos(self) -> int:
        """Number of units R."""
        return len(self.repos)

    @property
    def contrib_repo(self) -> np.ndarray:
        """(N,) unit index of each contributor-period."""
        return self.period_repo[self.contrib_period]

    def sync_units(self, unit: str) -> np.ndarray:
        """(P,) the sync accounts' units per window (zeros if none were given)."""
        values = {"commits": self.period_sync_commits, "lines": self.period_sync_lines}.get(unit)
        if values is None or values.size == 0:
            return np.zeros(self.period_repo.size)
        return np.asarray(values, dtype=float)

    def sync_per_period(self, unit: str) -> np.ndarray:
        """(R,) each repo's observed mean sync units per sampled period (what the FTE numerator adds)."""
        counts = np.bincount(self.period_repo, minlength=self.n_repos)
        return np.bincount(self.period_repo, weights=self.sync_units(unit), minlength=self.n_repos) / np.maximum(counts, 1)

    @property
    def summed(self) -> np.ndarray:
        """(R,) 1.0 for a unit whose units the FTE sums, 0.0 for a reference-only unit."""
        if self.reference_only.size == 0:
            return np.ones(self.n_repos)
        return (~np.asarray(self.reference_only, dtype=bool)).astype(float)

    def reference_unit(self, repo: str) -> int | None:
        """Return the unit pricing reference ``repo``: its reference-only unit if any, else the sample's own, else None."""
        units = [i for i, name in enumerate(self.unit_repos) if name == repo]
        only = [i for i in units if self.summed[i] == 0.0]
        return (only or units or [None])[0]

    def digest(self) -> str:
        """sha256 of the arrays and unit names: identifies the cleaned data in cache keys."""
        h = hashlib.sha256(json.dumps([list(self.repos), list(self.unit_repos)]).encode())
        if self.reference_only.any():
            h.update(np.ascontiguousarray(self.reference_only, dtype=np.int64).tobytes())
        for arr in (self.period_repo, self.period_contributors, self.contrib_period, self.contrib_commits):
            h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        for arr in (self.period_time, self.contrib_lines, self.sync_units("commits"), self.sync_units("lines")):
            h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        return h.hexdigest()


def decimal_year(dates: pd.Series) -> np.ndarray:
    """Decimal years of timestamps (NaT -> NaN), e.g. 2020-07-02 -> ~2020.5."""
    import pandas as pd  # off the import path of a run whose cost side comes from its cache

    dates = pd.to_datetime(dates)
    start = pd.to_datetime(dates.dt.year.astype("Int64").astype(str) + "-01-01", errors="coerce")
    days = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    return (dates.dt.year + (dates - start).dt.total_seconds() / 86400.0 / days).to_numpy(dtype=float)


def window_midpoints(periods: pd.DataFrame) -> np.ndarray:
    """(P,) each window's midpoint in decimal years.

    A window without dates (paper mode lists empty windows without them) gets the mean
    midpoint of its repo's dated windows, or the sample's mean if the repo has none.
    """
    import pandas as pd

    mid = (decimal_year(periods["period_start"]) + decimal_year(periods["period_end"])) / 2.0
    frame = pd.DataFrame({"repo": periods["repo"].to_numpy(), "mid": mid})
    filled = frame["mid"].fillna(frame.groupby("repo")["mid"].transform("mean"))
    overall = float(np.nanmean(mid)) if np.isfinite(mid).any() else TIME_ORIGIN
    return filled.fillna(overall).to_numpy(dtype=float)


def _column(frame: pd.DataFrame, name: str, dtype: type) -> np.ndarray:
    """Return a column as an array, or zeros when the data layer does not provide it."""
    if name in frame.columns:
        return frame[name].to_numpy(dtype=dtype)
    return np.zeros(len(frame), dtype=dtype)


def model_data_from_tables(periods: pd.DataFrame, contributions: pd.DataFrame) -> ModelData:
    """Build :class:`ModelData` from the tidy tables of :class:`mcvalue.data.tables.Sample`.

    Units are (tool, repo) pairs of the periods table; a contributor-period belongs to the
    window of its (tool, repo, period_start, period_end). Rows with ``sync`` True (missing
    column: none) are left out of the contributor-period arrays; the periods' ``sync_commits``
    and ``sync_lines`` (missing: zeros) carry their units. Raises DataError if a
    contributor-period has no commit, negative lines, or no sampled window.
    """
    from mcvalue.costmodels.references import REFERENCE_TOOL

    units = sorted(set(zip(periods["tool"], periods["repo"], strict=False)), key=lambda u: (u[1], u[0]))
    shared = {repo for _, repo in units if sum(r == repo for _, r in units) > 1}
    labels = tuple(f"{repo} ({tool})" if repo in shared or tool == REFERENCE_TOOL else repo for tool, repo in units)
    index = {u: i for i, u in enumerate(units)}
    contributions = contributions[~_column(contributions, "sync", bool)]
    window_key = ["tool", "repo", "period_start", "period_end"]
    windows = {tuple(str(v) for v in row): i for i, row in enumerate(periods[window_key].itertuples(index=False))}
    contrib_keys = [tuple(str(v) for v in row) for row in contributions[window_key].itertuples(index=False)]
    unknown = sorted({f"{k[0]}/{k[1]} {k[2]}" for k in contrib_keys if k not in windows})
    if unknown:
        raise DataError(f"contributions name windows with no sampled period: {', '.join(unknown[:5])}")
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
        period_time=window_midpoints(periods),
        contrib_period=np.array([windows[k] for k in contrib_keys], dtype=np.int64),
        contrib_commits=commits,
        contrib_lines=lines,
        period_sync_commits=_column(periods, "sync_commits", float),
        period_sync_lines=_column(periods, "sync_lines", float),
        reference_only=np.array([tool == REFERENCE_TOOL for tool, _ in units], dtype=bool),
    )


def model_data_from_sample(sample: Sample) -> ModelData:
    """:func:`model_data_from_tables` on a loaded sample."""
    return model_data_from_tables(sample.periods, sample.contributions)


def active_windows(data: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """Windows with at least one contributor-period, and each contributor-period's index among them.

    Returns (windows (W,) period indices, contrib_window (N,) indices into them).
    """
    windows, contrib_window = np.unique(data.contrib_period, return_inverse=True)
    return windows, contrib_window


def negbin_statistics(group: np.ndarray, value: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """Exact sufficient statistics of iid-within-group negative binomial counts with one common alpha.

    The NB log pmf ``gammaln(y + a) - gammaln(a) - gammaln(y + 1) + a log(a / (a + mu)) +
    y log(mu / (a + mu))`` splits into a part of (y, a) alone, summed over the distinct
    values with their multiplicities, and a part of (mu, a) that needs only each group's row
    count and sum: ``values``, ``counts`` (distinct y, multiplicity), ``n``, ``total`` (per
    group) and ``const`` (``-sum gammaln(y + 1)``). The real sample's 2,064 distinct
    (window, commits) pairs become 549 windows and 71 distinct values; with this a
    gradient of the whole model costs ~60 us instead of ~460 us.
    """
    from scipy.special import gammaln

    values, counts = np.unique(np.asarray(value, dtype=np.int64), return_counts=True)
    return {
        "values": values.astype(float),
        "counts": counts.astype(float),
        "n": np.bincount(group, minlength=n_groups).astype(float),
        "total": np.bincount(group, weights=np.asarray(value, dtype=float), minlength=n_groups),
        "const": np.array(-float(np.sum(counts * gammaln(values + 1.0)))),
    }


def _negbin_loglik(log_mu, alpha, stats: dict[str, np.ndarray]):
    """Return the summed NB log-likelihood of :func:`negbin_statistics` (a pytensor scalar), exact.

    ``log_mu`` is each group's log mean; ``log(a + mu)`` is taken as a logaddexp so that
    neither a large mean nor a large alpha loses precision.
    """
    import pytensor.tensor as pt

    log_alpha = pt.log(alpha)
    log_a_plus_mu = pt.logaddexp(log_alpha, log_mu)
    by_value = pt.sum(stats["counts"] * (pt.gammaln(stats["values"] + alpha) - pt.gammaln(alpha)))
    by_group = pt.sum(stats["n"] * alpha * (log_alpha - log_a_plus_mu) + stats["total"] * (log_mu - log_a_plus_mu))
    return by_value + by_group + stats["const"]


def line_statistics(data: ModelData) -> dict[str, np.ndarray]:
    """Per-window sufficient statistics of the lines hurdle-lognormal (exact), over active windows.

    n_pos, mean_log, within_ss: count, mean and within-window sum of squared deviations of
    log lines over positive rows (mean and sum of squares 0 where a window has none);
    n_zero, n_total: the hurdle's zero count and row count (summed: it is global).
    """
    windows, contrib_window = active_windows(data)
    pos = data.contrib_lines > 0
    logs = np.log(data.contrib_lines[pos].astype(float))
    w = contrib_window[pos]
    n_pos = np.bincount(w, minlength=windows.size).astype(float)
    mean_log = np.bincount(w, weights=logs, minlength=windows.size) / np.maximum(n_pos, 1.0)
    return {
        "n_pos": n_pos,
        "mean_log": mean_log,
        "within_ss": np.bincount(w, weights=(logs - mean_log[w]) ** 2, minlength=windows.size),
        "n_zero": np.array(float((~pos).sum())),
        "n_total": np.array(float(pos.size)),
    }


def _lines_body_loglik(lam, log_s, window_sd, stats: dict[str, np.ndarray]):
    """Log-likelihood of the positive log lines with the window effects integrated out (exact).

    In a window with n positive rows, ``log l_i = lam + e + eps_i`` with ``e ~ N(0, tau^2)``
    and ``eps_i ~ N(0, s^2)``: the n values are jointly normal with covariance ``s^2 I +
    tau^2 11'`` (determinant ``s^(2(n-1)) (s^2 + n tau^2)``), so the window's mean and
    within-window sum of squares ``SS`` carry it all::

        -(n - 1) log s - SS / (2 s^2) - log(s^2 + n tau^2) / 2 - n (mean - lam)^2 / (2 (s^2 + n tau^2))

    (``n/2 log 2 pi`` dropped). Windows without positive rows contribute nothing. ``lam``
    and ``log_s`` are per active window.
    """
    import pytensor.tensor as pt

    has = np.flatnonzero(stats["n_pos"] > 0)
    n, mean, ss = stats["n_pos"][has], stats["mean_log"][has], stats["within_ss"][has]
    log_s = log_s[has]
    var_mean_n = pt.exp(2.0 * log_s) + n * window_sd**2
    return pt.sum(
        -(n - 1.0) * log_s - 0.5 * ss * pt.exp(-2.0 * log_s) - 0.5 * pt.log(var_mean_n) - 0.5 * n * (mean - lam[has]) ** 2 / var_mean_n
    )


def _partially_centred(name: str, level, sd, centred: np.ndarray):
    """Return a repo vector ``~ Normal(level, sd)``, centred where ``centred`` is True and non-centred elsewhere.

    One sampled vector ``{name}_raw``: ``Normal(level, sd)`` for centred repos (their data pin
    them), standard normal for the others (``value = level + sd * raw``: few data, the funnel
    a centred form falls into when ``sd`` is small). Returns the values (a pytensor vector).
    """
    import pymc as pm
    import pytensor.tensor as pt

    mask = pt.as_tensor_variable(np.asarray(centred, dtype=bool))
    raw = pm.Normal(f"{name}_raw", pt.switch(mask, level, 0.0), pt.switch(mask, sd, 1.0), dims="repo")
    return pt.switch(mask, raw, level + sd * raw)


def _repo_level(prefix: str, priors: ModelPriors, intercept: tuple[float, float], centred: np.ndarray):
    """Repo log means (partially centred) and a non-centred repo trend for one likelihood; returns (log_mean, slope).

    The between-repo sd has a lognormal prior (median ``priors.{prefix}_sd_median``, log-sd
    ``priors.repo_sd_log_sigma``); ``{prefix}_log_mean`` is kept as a deterministic.
    """
    import pymc as pm

    level = pm.Normal(f"{prefix}_intercept", *intercept)
    sd = pm.LogNormal(f"{prefix}_sd", np.log(getattr(priors, f"{prefix}_sd_median")), priors.repo_sd_log_sigma)
    log_mean = pm.Deterministic(f"{prefix}_log_mean", _partially_centred(f"{prefix}_log_mean", level, sd, centred), dims="repo")
    trend = pm.Normal(f"{prefix}_trend", 0.0, priors.trend_sigma)
    trend_sd = pm.LogNormal(f"{prefix}_trend_sd", np.log(priors.trend_sd_median), priors.trend_sd_log_sigma)
    trend_z = pm.Normal(f"{prefix}_trend_z", 0.0, 1.0, dims="repo")
    return log_mean, trend + trend_sd * trend_z


def centred_repos(data: ModelData) -> dict[str, np.ndarray]:
    """(R,) which repos' effects are centred, per likelihood: those with >= CENTRE_MIN_ROWS rows of its data.

    Contributors and commits count a repo's contributor-periods, lines its positive-lines rows.
    """
    rows = np.bincount(data.contrib_repo, minlength=data.n_repos)
    positive = np.bincount(data.contrib_repo[data.contrib_lines > 0], minlength=data.n_repos)
    return {"contrib": rows >= CENTRE_MIN_ROWS, "commit": rows >= CENTRE_MIN_ROWS, "line": positive >= CENTRE_MIN_ROWS}


def build_model(data: ModelData, priors: ModelPriors = ModelPriors()) -> pm.Model:
    """Return the PyMC model of the module docstring, on exact sufficient statistics.

    Code compiled from it targets the portable instruction-set level
    (:func:`mcvalue.costmodels.pymc.codegen.use_portable_target`, called first, before any
    numba compilation a prior or posterior draw from the model would start).
    """
    from mcvalue.costmodels.pymc.codegen import use_portable_target

    use_portable_target()
    import pymc as pm
    import pytensor.tensor as pt

    windows, contrib_window = active_windows(data)
    coords = {"repo": list(data.repos), "window": [int(w) for w in windows]}
    t_period = data.period_time - TIME_ORIGIN
    w_repo, w_t = data.period_repo[windows], t_period[windows]
    n_periods = data.period_repo.size
    contrib_stats = negbin_statistics(np.arange(n_periods), data.period_contributors, n_periods)
    commit_stats = negbin_statistics(contrib_window, data.contrib_commits - 1, windows.size)
    stats = line_statistics(data)
    centred = centred_repos(data)
    with pm.Model(coords=coords) as model:
        log_mu, contrib_slope = _repo_level("contrib", priors, (priors.contrib_intercept_mu, priors.contrib_intercept_sigma), centred["contrib"])
        contrib_isa = pm.HalfNormal("contrib_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)
        period_log_mu = log_mu[data.period_repo] + contrib_slope[data.period_repo] * t_period
        pm.Potential("contributors_loglik", _negbin_loglik(period_log_mu, 1.0 / contrib_isa**2, contrib_stats))

        log_m, commit_slope = _repo_level("commit", priors, (priors.commit_intercept_mu, priors.commit_intercept_sigma), centred["commit"])
        commit_isa = pm.HalfNormal("commit_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)
        commit_wsd = pm.HalfNormal("commit_window_sd", priors.commit_window_sd_scale)
        commit_wz = pm.Normal("commit_window_z", 0.0, 1.0, dims="window")
        window_log_m = log_m[w_repo] + commit_slope[w_repo] * w_t + commit_wsd * commit_wz
        pm.Potential("commits_loglik", _negbin_loglik(window_log_m, 1.0 / commit_isa**2, commit_stats))

        lam_r, line_slope = _repo_level("line", priors, (priors.line_intercept_mu, priors.line_intercept_sigma), centred["line"])
        ls_intercept = pm.Normal("line_log_sigma_intercept", priors.line_log_sigma_mu, priors.line_log_sigma_sigma)
        ls_sd = pm.HalfNormal("line_log_sigma_sd", priors.line_log_sigma_sd_scale)
        ls_z = pm.Normal("line_log_sigma_z", 0.0, 1.0, dims="repo")
        line_wsd = pm.HalfNormal("line_window_sd", priors.line_window_sd_scale)
        lam = lam_r[w_repo] + line_slope[w_repo] * w_t
        log_s = (ls_intercept + ls_sd * ls_z)[w_repo]
        pm.Potential("lines_body_loglik", _lines_body_loglik(lam, log_s, line_wsd, stats))
        zero_prob = pm.Beta("line_zero_prob", priors.line_zero_alpha, priors.line_zero_beta)
        n_zero, n_total = stats["n_zero"], stats["n_total"]
        pm.Potential("lines_zero_loglik", n_zero * pt.log(zero_prob) + (n_total - n_zero) * pt.log1p(-zero_prob))
    return model


def repo_params(posterior: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-repo natural-scale parameters from draws of the model's parameters.

    ``posterior`` maps each parameter name to an array whose leading axis is the draw
    (scalars: (D,), repo effects: (D, R)). Returns (D, R) arrays: log means at
    :data:`TIME_ORIGIN` ``contrib_log_mean``, ``commit_log_mean``, ``lam``, yearly log
    slopes ``contrib_slope``, ``commit_slope``, ``line_slope``, lines log-sd ``s``; and (D,)
    ``contrib_alpha``, ``commit_alpha``, ``line_zero_prob``, ``commit_window_sd``,
    ``line_window_sd``.
    """
    col = lambda name: np.asarray(posterior[name], dtype=float)[:, None]  # noqa: E731
    arr = lambda name: np.asarray(posterior[name], dtype=float)  # noqa: E731
    slopes = {f"{p}_slope": col(f"{p}_trend") + col(f"{p}_trend_sd") * arr(f"{p}_trend_z") for p in LIKELIHOODS.values()}
    return {
        "contrib_log_mean": arr("contrib_log_mean"),
        "commit_log_mean": arr("commit_log_mean"),
        "lam": arr("line_log_mean"),
        **slopes,
        "s": np.exp(col("line_log_sigma_intercept") + col("line_log_sigma_sd") * arr("line_log_sigma_z")),
        "contrib_alpha": 1.0 / arr("contrib_inv_sqrt_alpha") ** 2,
        "commit_alpha": 1.0 / arr("commit_inv_sqrt_alpha") ** 2,
        "line_zero_prob": arr("line_zero_prob"),
        "commit_window_sd": arr("commit_window_sd"),
        "line_window_sd": arr("line_window_sd"),
    }


def units_at(params: dict[str, np.ndarray], repo: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
    """Return expected contributors per period and units per contributor-period of ``repo`` at times ``t``.

    ``repo`` and ``t`` (years from :data:`TIME_ORIGIN`) are (E,) evaluation points; returns
    (D, E) arrays ``mu`` and, per unit, ``per_contributor`` (window effects integrated out).
    """
    at = lambda name, prefix: params[name][:, repo] + params[f"{prefix}_slope"][:, repo] * t  # noqa: E731
    half_var = lambda name: (0.5 * params[name] ** 2)[:, None]  # noqa: E731
    mu = np.exp(at("contrib_log_mean", "contrib"))
    commits = 1.0 + np.exp(at("commit_log_mean", "commit") + half_var("commit_window_sd"))
    lines = (1.0 - params["line_zero_prob"])[:, None] * np.exp(
        at("lam", "line") + 0.5 * params["s"][:, repo] ** 2 + half_var("line_window_sd")
    )
    return {"mu": mu, "contributors": np.ones_like(mu), "commits": commits, "lines": lines}


def expected_units(
    params: dict[str, np.ndarray], period_repo: np.ndarray, period_time: np.ndarray, target_year: TargetYear = DEFAULT_TARGET_YEAR
) -> dict[str, dict[str, np.ndarray]]:
    """Return expected units per contributor-period and per period, for each repo, (D, R) each.

    At a target year every repo is evaluated at that year. For :data:`AVERAGE` each repo
    is evaluated at its own sampled windows' midpoints and averaged: per period, the mean
    over its windows of ``mu(t) * u(t)``; per contributor-period, the contributor-weighted
    mean ``sum mu(t) u(t) / sum mu(t)`` (what a sample mean over its rows estimates).
    Returns ``{"per_contributor": {unit: ...}, "per_period": {unit: ...}}`` for the units
    contributors, commits and lines (sync units not included).
    """
    n_repos = params["contrib_log_mean"].shape[1]
    repo, t = _evaluation_points(params, period_repo, period_time, target_year)
    at = units_at(params, repo, t)
    onehot = np.zeros((repo.size, n_repos))
    onehot[np.arange(repo.size), repo] = 1.0
    counts = np.maximum(onehot.sum(axis=0), 1.0)
    mu_sum = at["mu"] @ onehot
    per_period = {u: (at["mu"] * at[u]) @ onehot / counts for u in ("contributors", "commits", "lines")}
    per_contrib = {u: (at["mu"] * at[u]) @ onehot / np.maximum(mu_sum, 1e-300) for u in ("contributors", "commits", "lines")}
    return {"per_contributor": per_contrib, "per_period": per_period}


def _evaluation_points(
    params: dict[str, np.ndarray], period_repo: np.ndarray, period_time: np.ndarray, target_year: TargetYear
) -> tuple[np.ndarray, np.ndarray]:
    """Return the (repo, years from TIME_ORIGIN) points a target year evaluates: each repo at the year, or its windows for AVERAGE."""
    n_repos = params["contrib_log_mean"].shape[1]
    if target_year == AVERAGE:
        return np.asarray(period_repo), np.asarray(period_time, dtype=float) - TIME_ORIGIN
    return np.arange(n_repos), np.full(n_repos, float(target_year) + 0.5 - TIME_ORIGIN)


def threshold_curve(
    params: dict[str, np.ndarray], data: ModelData, target_year: TargetYear = DEFAULT_TARGET_YEAR, grid: np.ndarray | None = None
) -> np.ndarray:
    """(D, G) the activity-threshold method's FTE at each threshold per window of ``grid`` (default :data:`mcvalue.costmodels.threshold.GRID`).

    FTE(g) = sum over repos of E[n] E[min(C / g, 1)], C the commits of a contributor-period
    in a new window (its window effect integrated out,
    :func:`mcvalue.costmodels.threshold.expected_fraction`); under :data:`AVERAGE`, each
    repo's mean over its sampled windows' dates, as in :func:`expected_units`. Sync
    accounts are left out, as in the contributors method.
    """
    from mcvalue.costmodels.threshold import GRID, expected_fraction

    repo, t = _evaluation_points(params, data.period_repo, data.period_time, target_year)
    mu = np.exp(params["contrib_log_mean"][:, repo] + params["contrib_slope"][:, repo] * t)
    mean_extra = np.exp(params["commit_log_mean"][:, repo] + params["commit_slope"][:, repo] * t)
    counts = np.maximum(np.bincount(repo, minlength=data.n_repos), 1)
    grid = GRID if grid is None else np.asarray(grid, dtype=float)
    scale = mu * (data.summed / counts)[repo][None, :]
    return expected_fraction(mean_extra, params["commit_alpha"], params["commit_window_sd"], grid, scale=scale)


def fte_from_params(params: dict[str, np.ndarray], data: ModelData, target_year: TargetYear = DEFAULT_TARGET_YEAR) -> np.ndarray:
    """(D, POOL_WIDTH) FTE pool rows for ``target_year`` (a year, or :data:`AVERAGE`).

    The first five columns are the Table 1 methods in METHOD_KEYS order: FTE = sum over
    repos of (expected units per period + observed mean sync units per period) / the
    reference repo's expected units per contributor-period; for the contributors method
    the denominator is 1, so FTE is the sum of expected active contributors per period (with
    or without its nominal reference repo in the sample). A year means the middle of that
    year (``year + 0.5``). The reference is the first unit of the reference repo; a commits
    or lines method whose reference repo is not in the sample gets NaN. The
    remaining columns are the activity-threshold method's FTE on its grid of thresholds
    (:func:`threshold_curve`, :mod:`mcvalue.costmodels.threshold`). Reference-only units
    (:attr:`ModelData.reference_only`) price their reference and are left out of the sums.
    """
    units = expected_units(params, data.period_repo, data.period_time, target_year)
    out = np.full((params["contrib_log_mean"].shape[0], len(METHODS)), np.nan)
    summed = data.summed
    for j, method in enumerate(METHODS):
        ref = data.reference_unit(REFERENCE_REPOS[method.reference])
        total = (units["per_period"][method.unit] * summed).sum(axis=1) + (data.sync_per_period(method.unit) * summed).sum()
        if method.unit == "contributors":
            out[:, j] = total
        elif ref is not None:
            out[:, j] = total / units["per_contributor"][method.unit][:, ref]
    return np.concatenate([out, threshold_curve(params, data, target_year)], axis=1)


def estimand(target_year: TargetYear) -> str:
    """One sentence saying what the FTE is: whose activity, which year (for every report and ``mcvalue fit``)."""
    who = (
        "FTE is the number of full-time engineers whose work equals one year of the sampled repos' development "
        "activity (their human contributors, plus the units of sync accounts that publish company engineers' work)"
    )
    if target_year == AVERAGE:
        return f"{who}, averaged over the sampled two-week windows (2009-2022): the paper's long-run average."
    return f"{who} at the activity level the cost model's time trends predict for {target_year}."


def trend_summary(posterior: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Per likelihood, the global yearly growth factor ``exp(trend)``: median and 90% interval."""
    out = {}
    for name, prefix in LIKELIHOODS.items():
        factor = np.exp(np.asarray(posterior[f"{prefix}_trend"], dtype=float))
        lo, med, hi = np.quantile(factor, [0.05, 0.5, 0.95])
        out[name] = {"median": float(med), "ci90": [float(lo), float(hi)]}
    return out


def simulate_data(params: dict[str, np.ndarray], data: ModelData, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Replicate the sample's design from per-repo parameters (one draw: (R,) arrays, scalars).

    ``params`` is :func:`repo_params` output for a single draw; ``data`` gives the design
    (each window's repo and date; its observations are not used). Windows get *new* window
    effects drawn from the window sds, so replicates show the between-window spread the
    model implies. Returns (period_contributors (P,), contrib_period (N,), contrib_commits
    (N,), contrib_lines (N,)); lines are left continuous (the model's lognormal body).
    Used for posterior predictive checks, parameter recovery and calibration.
    """
    repo, t = data.period_repo, data.period_time - TIME_ORIGIN
    mu = np.exp(params["contrib_log_mean"][repo] + params["contrib_slope"][repo] * t)
    n = _negbin(mu, float(params["contrib_alpha"]), rng)
    commit_e = rng.normal(0.0, float(params["commit_window_sd"]), repo.size)
    line_e = rng.normal(0.0, float(params["line_window_sd"]), repo.size)
    period = np.repeat(np.arange(repo.size), n)
    r, tp = repo[period], t[period]
    m = np.exp(params["commit_log_mean"][r] + params["commit_slope"][r] * tp + commit_e[period])
    commits = 1 + _negbin(m, float(params["commit_alpha"]), rng)
    lam = params["lam"][r] + params["line_slope"][r] * tp + line_e[period]
    lines = np.exp(rng.normal(lam, params["s"][r]))
    lines[rng.random(lines.size) < float(params["line_zero_prob"])] = 0.0
    return n, period, commits, lines


def replace_observations(
    data: ModelData, period_contributors: np.ndarray, contrib_period: np.ndarray, contrib_commits: np.ndarray, contrib_lines: np.ndarray
) -> ModelData:
    """Return ``data``'s design (repos, windows, dates, sync units) with other observations: simulated data."""
    from dataclasses import replace

    return replace(
        data,
        period_contributors=np.asarray(period_contributors, dtype=np.int64),
        contrib_period=np.asarray(contrib_period, dtype=np.int64),
        contrib_commits=np.asarray(contrib_commits, dtype=np.int64),
        contrib_lines=np.asarray(contrib_lines, dtype=float),
    )


def _negbin(mean: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Negative binomial draws with the given mean and PyMC's alpha (var = mu + mu^2/alpha).

    The gamma rate is capped at 1e15 so that a wild draw of an unconverged fit (whose PPC
    is reported as unreliable anyway) cannot overflow numpy's Poisson sampler; NaN rates
    (an infinite dispersion) give 0.
    """
    rate = np.nan_to_num(rng.gamma(alpha, mean / alpha), nan=0.0, posinf=1e15)
    return rng.poisson(np.clip(rate, 0.0, 1e15))
