"""A fit that fails a convergence gate is sampled once more, with longer chains, before it is refused.

Simulation-based calibration (issue 23, ``mcvalue calibrate``) on the real design found
that most fits failing a gate fail it narrowly, in a parameter that mixes slowly: a
rank-normalised R-hat of 1.011-1.04 or a bulk ESS of 290-470 in ``line_log_sigma_intercept``,
``commit_trend`` or a window effect, after 4 x 2,000 draws. Longer chains mend exactly
that, and a higher target acceptance mends a rare divergence. One fit in 18 of the real
design failed only because 12 of 16,000 transitions reached NUTS's maximum tree depth
(10), with R-hat 1.003 and bulk ESS 1,922: a posterior whose trajectories are long, which
a deeper limit lets the sampler finish. So when the first attempt fails any gate,
:func:`sample_until_converged` samples again with :func:`second_attempt`'s settings
(twice the draws and tuning steps; target acceptance 0.95 when the first diverged; a
maximum tree depth of 12 when the first reached 10) and keeps that posterior, whether it
passes or not: the gates themselves never change. The default fit of the paper's sample passes on its first attempt for every seed
tried (``benchmarks/bench_convergence.py``), so its draws are those of before.

Which attempt a posterior came from is stored in its attributes (:data:`ATTEMPTS_ATTR`), so
a posterior read from the cache reports the settings that drew it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from mcvalue.costmodels.pymc.diagnostics import worst_figure
from mcvalue.costmodels.pymc.posterior_cache import posterior_diagnostics
from mcvalue.costmodels.pymc.sampling import SamplerSettings, sample_posterior

if TYPE_CHECKING:
    from xarray import DataTree

    from mcvalue.costmodels.pymc.model import ModelPriors
    from mcvalue.costmodels.pymc.model_data import ModelData

#: Target acceptance of a second attempt after a divergent transition (the first's is 0.9).
SECOND_TARGET_ACCEPT = 0.95
#: How much deeper a second attempt's trees may grow after the first reached its maximum
#: depth: 2 more doublings, up to 4x the gradient evaluations of a draw.
SECOND_TREEDEPTH_INCREASE = 2
#: The posterior attribute recording the attempt: its sampler settings and, for a second
#: attempt, the first's worst figure.
ATTEMPTS_ATTR = "mcvalue_attempts"
#: The rule in words, part of a calibration's settings key (records of another rule are history).
RULE = (
    "a fit failing a gate is sampled again with 2x draws and tuning, target_accept 0.95 after a divergence, "
    "max tree depth +2 after a transition reached it"
)


def second_attempt(sampler: SamplerSettings, diagnostics: dict[str, Any]) -> SamplerSettings:
    """Return the settings of the second attempt after a first that failed with ``diagnostics``.

    Parameters
    ----------
    sampler : SamplerSettings
        The first attempt's settings.
    diagnostics : dict
        The first attempt's convergence figures (``divergences`` and ``max_treedepth_hits``
        among them; a trace that did not record tree depths counts as reaching it).

    Returns
    -------
    SamplerSettings
        Twice the draws and tuning steps, the same chains and seed; target acceptance
        :data:`SECOND_TARGET_ACCEPT` if the first diverged, else the first's; a maximum
        tree depth :data:`SECOND_TREEDEPTH_INCREASE` deeper if the first reached its own.

    Examples
    --------
    >>> first = SamplerSettings(draws=2000, tune=500, chains=4, seed=1)
    >>> second_attempt(first, {"divergences": 3, "max_treedepth_hits": 0})
    SamplerSettings(draws=4000, tune=1000, chains=4, seed=1, target_accept=0.95, nuts='nutpie', instruction_set='', max_treedepth=10)
    >>> second_attempt(first, {"divergences": 0, "max_treedepth_hits": 12}).max_treedepth
    12
    """
    accept = max(sampler.target_accept, SECOND_TARGET_ACCEPT) if diagnostics["divergences"] > 0 else sampler.target_accept
    depth_reached = diagnostics["max_treedepth_hits"] != 0  # None (not recorded) counts as reached
    depth = sampler.max_treedepth + SECOND_TREEDEPTH_INCREASE if depth_reached else sampler.max_treedepth
    return replace(sampler, draws=2 * sampler.draws, tune=2 * sampler.tune, target_accept=accept, max_treedepth=depth)


def sample_until_converged(
    data: ModelData, sampler: SamplerSettings, *, cores: int, progress: bool, priors: ModelPriors | None = None
) -> DataTree:
    """Sample the posterior; if it fails a gate, sample once more with :func:`second_attempt`'s settings.

    Returns the posterior kept (the second attempt's when there was one), its attributes
    recording which attempt it is (:func:`attempt_record`).
    """
    idata = sample_posterior(data, sampler, cores=cores, progress=progress, priors=priors)
    first = posterior_diagnostics(idata)
    record: dict[str, Any] = {"attempts": 1, "sampler": asdict(sampler), "first_attempt": None}
    if not first["converged"]:
        retry = second_attempt(sampler, first)
        idata = sample_posterior(data, retry, cores=cores, progress=progress, priors=priors)
        record = {"attempts": 2, "sampler": asdict(retry), "first_attempt": {"sampler": asdict(sampler), "worst": worst_figure(first["worst"])}}
    idata.posterior.attrs[ATTEMPTS_ATTR] = json.dumps(record, sort_keys=True)
    return idata


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
    """Return the line telling the user a fit needed its second attempt, or None."""
    first = record["first_attempt"]
    if first is None:
        return None
    before, after = first["sampler"], record["sampler"]
    return (
        f"the cost model's first fit ({before['chains']} x {before['draws']} draws after {before['tune']} tuning steps) failed "
        f"a convergence gate ({first['worst']}); it was sampled again with {after['chains']} x {after['draws']} draws after "
        f"{after['tune']} tuning steps, target acceptance {after['target_accept']:g}, "
        f"maximum tree depth {after.get('max_treedepth', 10)}"
    )
