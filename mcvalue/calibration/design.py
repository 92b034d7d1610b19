"""The calibration's datasets: the design of a sample, prior draws from the PyMC model, simulated observations.

A dataset is a function of its index alone (and of the settings): the parameters are one
draw of :func:`pymc.sample_prior_predictive` on the cost model itself (so the calibration
can never test the fit against a restatement of the priors that drifted from the model),
seeded by ``[seed, index, 0]``; the observations are
:func:`mcvalue.costmodels.pymc.replicate.simulate_data` on the sample's design (its repos,
windows, window dates and sync units), seeded by ``[seed, index, 1]``. Which worker draws
a dataset, and in which order, cannot change it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from mcvalue.config import DEFAULT_SEED
from mcvalue.costmodels.pymc.attempt_rule import RULE
from mcvalue.costmodels.pymc.derived import fte_from_params, repo_params
from mcvalue.costmodels.pymc.graph import build_model
from mcvalue.costmodels.pymc.libm import libm_exp
from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, REPO_EFFECTS, REPO_VALUES, ModelPriors
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.costmodels.pymc.replicate import replace_observations, simulate_data
from mcvalue.costmodels.pymc.sampling import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, NUTS_SAMPLER, SamplerSettings
from mcvalue.costmodels.threshold import GRID, TABLE1_COLUMNS
from mcvalue.vocab.paper import METHOD_KEYS

#: Draws kept per fit to rank the truth among (ranks run 0..THINNED): 99 evenly spaced draws.
THINNED = 99
#: Most leapfrog steps a chain's kept draws may take in one attempt of a calibration fit
#: (:class:`mcvalue.costmodels.pymc.sampling.StepBudget`). The third attempt samples 8,000
#: draws a chain at a maximum tree depth of at most 14; a draw that does not reach the
#: limit takes at most 2 ** 13 - 1 = 8,191 steps, so a chain that never reaches it takes at
#: most 65.5 million, and one that reaches it on up to 545 draws at most 70 million: every such
#: chain finishes. A chain whose step size collapsed reaches the limit on every draw (16,383
#: steps) and passes it at draw 4,273 of its 8,000, instead of running for hours (164
#: million steps for datasets 157 and 196 of the real design: 2.5-3.4 hours of one core at
#: the 13,500-20,000 steps a second measured).
STEP_BUDGET = 70_000_000


@dataclass(frozen=True)
class CalibrationSettings:
    """What determines a calibration's datasets and fits (not how many datasets there are).

    The sampler is the production one (:data:`mcvalue.costmodels.pymc.sampling.NUTS_SAMPLER`,
    ``mcvalue fit``'s draws, tuning steps, chains and target acceptance) unless a test asks
    for a smaller one; a fit runs its chains on one core. ``thinned`` draws, evenly spaced
    over all chains' draws, rank each true value; ``target_year`` is the year whose FTE is
    ranked.

    Examples
    --------
    >>> from mcvalue.calibration import CalibrationSettings
    >>> quick = CalibrationSettings(draws=100, tune=150, chains=2, thinned=19)  # a smoke test, not a calibration
    >>> quick.sampler(7).seed
    7
    """

    draws: int = DEFAULT_DRAWS
    tune: int = DEFAULT_TUNE
    chains: int = DEFAULT_CHAINS
    target_accept: float = 0.9
    thinned: int = THINNED
    target_year: int = 2021
    seed: int = DEFAULT_SEED
    priors: ModelPriors = field(default_factory=ModelPriors)
    step_budget: int = STEP_BUDGET

    def sampler(self, index: int) -> SamplerSettings:
        """Return the sampler settings of dataset ``index``'s fit (its seed is the index)."""
        return SamplerSettings(draws=self.draws, tune=self.tune, chains=self.chains, seed=index, target_accept=self.target_accept, nuts=NUTS_SAMPLER)

    def key(self, design: ModelData) -> str:
        """sha256 of the design, these settings and the versions of the libraries that draw: records of another key belong to another calibration."""
        from importlib.metadata import version

        libraries = {name: version(name) for name in ("pymc", "nutpie", "numpy")}  # they make the draws
        payload = {"design": design.digest(), "model": self.priors.settings(), "sampler": NUTS_SAMPLER, "libraries": libraries, "attempts": RULE}
        payload |= {name: value for name, value in asdict(self).items() if name != "step_budget"} | {"priors": None}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


#: Threshold per two-week window at which the activity-threshold method's FTE is ranked: the
#: grid point nearest the default prior's median (30 per six months, 2.3 per window).
RANKED_THRESHOLD = 2.0


def quantities() -> tuple[str, ...]:
    """Return the ranked quantities: every hyperparameter, then every method's FTE (``fte.<method>``).

    The threshold method's FTE is ranked at :data:`RANKED_THRESHOLD` (its curve is one
    function of the posterior; one point of it stands for it).
    """
    return (*HYPERPARAMETERS, *(f"fte.{key}" for key in METHOD_KEYS))


def ranked_fte(fte: np.ndarray) -> np.ndarray:
    """Return the ranked FTE of FTE pool rows ``(..., POOL_WIDTH)``: Table 1's five, then the threshold method's at :data:`RANKED_THRESHOLD`."""
    column = TABLE1_COLUMNS + int(np.flatnonzero(GRID == RANKED_THRESHOLD)[0])
    return np.concatenate([fte[..., :TABLE1_COLUMNS], fte[..., column : column + 1]], axis=-1)


@dataclass(frozen=True)
class Dataset:
    """One simulated dataset: the true parameters (one draw), the data, the true FTE per method."""

    index: int
    truth: dict[str, np.ndarray]
    data: ModelData
    true_fte: np.ndarray

    def true_values(self) -> dict[str, float]:
        """Return the true value of every ranked quantity (:func:`quantities` order)."""
        values = [float(self.truth[name][0]) for name in HYPERPARAMETERS] + [float(v) for v in ranked_fte(self.true_fte)]
        return dict(zip(quantities(), values, strict=True))


@dataclass(frozen=True)
class _PriorSampler:
    """The cost model's prior draw, compiled once: a function of no inputs, its RNGs, and the names of its outputs."""

    function: Callable[[], list[np.ndarray]]
    rngs: list[Any]
    names: list[str]


#: The compiled prior draw per (design digest, priors), built once per process: it takes
#: ~10 s to compile with numba and a few milliseconds a draw after that.
_PRIOR_SAMPLERS: dict[tuple[str, ModelPriors], _PriorSampler] = {}


def _prior_sampler(design: ModelData, priors: ModelPriors) -> _PriorSampler:
    """Return the compiled prior draw of the cost model on ``design`` with ``priors``, compiled on first use.

    The function draws what :func:`pymc.sample_prior_predictive` draws (every basic random
    variable and deterministic, sorted by name), compiled as PyMC compiles a function it
    caches: with ``random_seed=False``, returning its RNGs in the order in which
    :func:`pymc.pytensorf.reseed_rngs` seeds them. Reseeded as ``sample_prior_predictive``
    reseeds (:func:`prior_draw`), it gives the same draw bit for bit, without compiling
    again for every dataset (which cost ~10 s and ~48 MB of numba code each time).
    """
    import pymc as pm
    from pymc.util import get_default_varnames

    key = (design.digest(), priors)
    if key not in _PRIOR_SAMPLERS:
        model = build_model(design, priors)
        names = sorted(get_default_varnames({var.name for var in model.basic_RVs + model.deterministics}, include_transformed=False))
        with model:
            outputs = [model[name] for name in names]
            options = {"allow_input_downcast": True, "accept_inplace": True, "on_unused_input": "ignore"}  # sample_prior_predictive's
            function, updates = pm.pytensorf.compile([], outputs, random_seed=False, return_updates=True, **options)
        _PRIOR_SAMPLERS[key] = _PriorSampler(function, list(updates), names)
    return _PRIOR_SAMPLERS[key]


def prior_draw(design: ModelData, index: int, settings: CalibrationSettings) -> dict[str, np.ndarray]:
    """One draw of every model parameter from the model's priors, shaped (1,) or (1, R) as :func:`repo_params` reads.

    The Potentials (the likelihoods) play no part in a prior draw, which is the prior this
    calibration needs. The draw is seeded as ``pm.sample_prior_predictive(1,
    random_seed=np.random.default_rng([seed, index, 0]))`` seeds it (one seed drawn from
    that generator, spawned over the RNGs), so it is that function's draw. The design's
    observations only choose which repo effects are centred, a parametrisation that does
    not change the prior.
    """
    from pymc.pytensorf import reseed_rngs

    sampler = _prior_sampler(design, settings.priors)
    seed = int(np.random.default_rng([settings.seed, index, 0]).integers(2**30, dtype=np.int64))  # sample_prior_predictive's one seed
    reseed_rngs(sampler.rngs, seed)
    values = dict(zip(sampler.names, sampler.function(), strict=True))
    return {name: np.array(values[name]).reshape((1, *np.shape(values[name]))) for name in HYPERPARAMETERS + REPO_EFFECTS + REPO_VALUES}


def simulate_dataset(design: ModelData, index: int, settings: CalibrationSettings) -> Dataset:
    """Dataset ``index``: its prior draw, observations simulated on ``design``, and the true FTE."""
    truth = prior_draw(design, index, settings)
    params = repo_params(truth, exp=libm_exp)
    one = {name: value[0] for name, value in params.items()}
    data = replace_observations(design, *simulate_data(one, design, np.random.default_rng([settings.seed, index, 1])))
    with np.errstate(over="ignore", invalid="ignore"):  # an extreme draw's true FTE overflows: left out of its rank test and counted
        true_fte = fte_from_params(params, data, settings.target_year)[0]
    return Dataset(index, truth, data, true_fte)
