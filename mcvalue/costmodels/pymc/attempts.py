"""A fit that fails a convergence gate is sampled again, with longer chains, up to three attempts, before it is refused.

Simulation-based calibration (issue 23, ``mcvalue calibrate``) on the real design found
that most fits failing a gate fail it narrowly, in a parameter that mixes slowly: a
rank-normalised R-hat of 1.011-1.04 or a bulk ESS of 290-470 in ``line_log_sigma_intercept``,
``commit_trend`` or a window effect, after 4 x 2,000 draws. Longer chains mend exactly
that, and a higher target acceptance mends a rare divergence. One fit in 18 of the real
design failed only because 12 of 16,000 transitions reached NUTS's maximum tree depth
(10), with R-hat 1.003 and bulk ESS 1,922: a posterior whose trajectories are long, which
a deeper limit lets the sampler finish. So while an attempt fails any gate,
:func:`sample_until_converged` samples again with :func:`next_attempt`'s settings (twice
the draws and tuning steps of the attempt before; target acceptance 0.95, then 0.99, after
a divergence; a maximum tree depth 2 deeper after a transition reached it), up to
:data:`MAX_ATTEMPTS`, and keeps the last posterior, whether it passes or not: the gates
themselves never change. A third attempt: of the first 41 calibration datasets, 5 still
failed after two attempts, all narrowly (R-hat 1.009-1.016, bulk ESS 259-511); four times
the first attempt's draws mended most of them (``docs/cost-model.md``). The default fit of
the paper's sample passes on its first attempt for every seed tried
(``benchmarks/bench_convergence.py``), so its draws are those of before.

Which attempt a posterior came from is stored in its attributes (:data:`ATTEMPTS_ATTR`), so
a posterior read from the cache reports the settings that drew it, and one that gave up
after fewer attempts than the rule now takes is sampled again (:func:`attempts_settled`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from mcvalue.costmodels.pymc.attempt_rule import ATTEMPTS_ATTR, MAX_ATTEMPTS, RETRY_TARGET_ACCEPT, RETRY_TREEDEPTH_INCREASE
from mcvalue.costmodels.pymc.diagnostics import worst_figure
from mcvalue.costmodels.pymc.posterior_cache import posterior_diagnostics
from mcvalue.costmodels.pymc.sampling import SamplerSettings, compile_posterior, sample_posterior
from mcvalue.errors import StepBudgetExceeded

if TYPE_CHECKING:
    from xarray import DataTree

    from mcvalue.costmodels.pymc.model import ModelPriors
    from mcvalue.costmodels.pymc.model_data import ModelData


def next_attempt(sampler: SamplerSettings, diagnostics: dict[str, Any], attempt: int) -> SamplerSettings:
    """Return the settings of attempt ``attempt + 1`` after attempt ``attempt`` failed with ``diagnostics``.

    Parameters
    ----------
    sampler : SamplerSettings
        The failed attempt's settings.
    diagnostics : dict
        The failed attempt's convergence figures (``divergences`` and ``max_treedepth_hits``
        among them; a trace that did not record tree depths counts as reaching it).
    attempt : int
        Which attempt failed (1 or 2).

    Returns
    -------
    SamplerSettings
        Twice the draws and tuning steps, the same chains and seed; after a divergence the
        target acceptance of :data:`RETRY_TARGET_ACCEPT` for this retry (never lower than
        before), else the failed attempt's; a maximum tree depth
        :data:`RETRY_TREEDEPTH_INCREASE` deeper if the failed attempt reached its own.

    Examples
    --------
    >>> first = SamplerSettings(draws=2000, tune=500, chains=4, seed=1)
    >>> second = next_attempt(first, {"divergences": 3, "max_treedepth_hits": 0}, 1)
    >>> second
    SamplerSettings(draws=4000, tune=1000, chains=4, seed=1, target_accept=0.95, nuts='nutpie', instruction_set='', max_treedepth=10)
    >>> third = next_attempt(second, {"divergences": 1, "max_treedepth_hits": 12}, 2)
    >>> third.draws, third.tune, third.target_accept, third.max_treedepth
    (8000, 2000, 0.99, 12)
    """
    if not 1 <= attempt < MAX_ATTEMPTS:
        raise ValueError(f"attempt {attempt} has no retry (at most {MAX_ATTEMPTS} attempts)")
    diverged = diagnostics["divergences"] > 0
    accept = max(sampler.target_accept, RETRY_TARGET_ACCEPT[attempt - 1]) if diverged else sampler.target_accept
    depth_reached = diagnostics["max_treedepth_hits"] != 0  # None (not recorded) counts as reached
    depth = sampler.max_treedepth + RETRY_TREEDEPTH_INCREASE if depth_reached else sampler.max_treedepth
    return replace(sampler, draws=2 * sampler.draws, tune=2 * sampler.tune, target_accept=accept, max_treedepth=depth)


def sample_until_converged(
    data: ModelData, sampler: SamplerSettings, *, cores: int, progress: bool, priors: ModelPriors | None = None, step_budget: int | None = None
) -> DataTree:
    """Sample the posterior; while it fails a gate, sample again with :func:`next_attempt`'s settings, up to :data:`MAX_ATTEMPTS` attempts.

    The model is compiled once for all attempts. Returns the posterior kept (the last
    attempt's), its attributes recording which attempt it is (:func:`attempt_record`).
    ``step_budget`` bounds each attempt's chains (:class:`~mcvalue.costmodels.pymc.sampling.StepBudget`;
    None, the default, for no bound): an attempt that passes it stops the fit, and the
    StepBudgetExceeded raised says which attempt (``error.attempt``) and its settings.
    """
    posterior = compile_posterior(data, priors)
    attempt, current, first_failure = 1, sampler, None
    while True:
        try:
            idata = sample_posterior(posterior, current, cores=cores, progress=progress, step_budget=step_budget)
        except StepBudgetExceeded as error:
            raise StepBudgetExceeded.at_attempt(error, attempt, current.draws, current.max_treedepth) from None
        checks = posterior_diagnostics(idata)
        if checks["converged"] or attempt >= MAX_ATTEMPTS:
            break
        first_failure = first_failure or {"sampler": asdict(sampler), "worst": worst_figure(checks["worst"])}
        current = next_attempt(current, checks, attempt)
        attempt += 1
    record = {"attempts": attempt, "sampler": asdict(current), "first_attempt": first_failure}
    idata.posterior.attrs[ATTEMPTS_ATTR] = json.dumps(record, sort_keys=True)
    return idata


def attempts_settled(idata: DataTree, requested: SamplerSettings) -> bool:
    """Whether a (cached) posterior is what the current rule keeps: it passed every gate, or took every attempt.

    A posterior that failed after fewer attempts was drawn under an earlier rule, which
    gave up sooner; a fit now samples it again. ``requested``: the settings asked for, as
    :func:`attempt_record` takes them.
    """
    return bool(posterior_diagnostics(idata)["converged"]) or attempt_record(idata, requested)["attempts"] >= MAX_ATTEMPTS


def attempt_record(idata: DataTree, requested: SamplerSettings) -> dict[str, Any]:
    """Return which attempt drew ``idata``: ``attempts``, ``sampler`` (its settings) and ``first_attempt``.

    A posterior without the record (written before attempts were recorded) is the
    requested settings' first attempt.
    """
    stored = idata.posterior.attrs.get(ATTEMPTS_ATTR)
    if stored is None:
        return {"attempts": 1, "sampler": asdict(requested), "first_attempt": None}
    return dict(json.loads(stored))


def attempt_warning(record: dict[str, Any]) -> str | None:
    """Return the line telling the user a fit needed more than one attempt, or None."""
    first = record["first_attempt"]
    if first is None:
        return None
    before, after = first["sampler"], record["sampler"]
    return (
        f"the cost model's first fit ({before['chains']} x {before['draws']} draws after {before['tune']} tuning steps) failed "
        f"a convergence gate ({first['worst']}); the posterior kept is that of attempt {record['attempts']} of at most {MAX_ATTEMPTS}, "
        f"sampled with {after['chains']} x {after['draws']} draws after "
        f"{after['tune']} tuning steps, target acceptance {after['target_accept']:g}, "
        f"maximum tree depth {after.get('max_treedepth', 10)}"
    )
