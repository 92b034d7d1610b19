"""The sampler call: its settings, the compiled model it samples, and the guard that refuses a trace an interrupt cut short.

Sampler: nutpie's NUTS (:data:`NUTS_SAMPLER`), which runs the chains in threads of this
process on a numba-compiled log density: no worker process exists that a kill could leave
behind. The model is compiled once (:func:`compile_posterior`, ~15-30 s) and sampled by
each attempt of a fit (:func:`sample_posterior`): a retry
(:mod:`mcvalue.costmodels.pymc.attempts`) no longer compiles the same model again. The
steps are those ``pymc.sample(nuts_sampler="nutpie")`` takes (the chain seed, nutpie's
settings, PyMC's progress bar and its completion of nutpie's trace), so a fit's draws are
the bits ``pymc.sample`` gave.

Interrupts: a sampler may answer Ctrl-C by returning the draws so far. A fit that
received SIGINT or SIGTERM while sampling, or came back with fewer chains or draws than
asked for, raises ``KeyboardInterrupt`` and is neither cached nor summarised. Temporary
posterior files of a killed writer are removed by the next save.

Separate from the fit (:mod:`mcvalue.costmodels.pymc.fit`) and the posterior cache
(:mod:`mcvalue.costmodels.pymc.posterior_cache`) because it is the one place that runs
the sampler and handles signals; simulation-based calibration calls it directly.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from mcvalue.costmodels.pymc.graph import build_model
from mcvalue.costmodels.pymc.model import ModelPriors
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.errors import SamplerStartError, StepBudgetExceeded

if TYPE_CHECKING:
    import pymc as pm
    from xarray import DataTree

#: nutpie's NUTS: the same posterior as PyMC's own NUTS, about 3 times the draws per second
#: on this model (a Rust sampler on a numba-compiled gradient, without PyMC's per-step
#: Python overhead). PyMC's sampler needed 4 x 1500 draws after 1000 tuning steps (36 s
#: on 2 cores) for cost model version 7 to pass every gate.
NUTS_SAMPLER = "nutpie"
#: 4 x 2000 draws after 500 tuning steps (nutpie's mass-matrix adaptation needs fewer). On
#: the real clean sample, seeds 1-4: max R-hat 1.004-1.009 (commit_trend_sd, contrib_trend,
#: commit_window_sd), min bulk ESS 597-827, min tail ESS 563-916, no divergence, E-BFMI >= 0.67;
#: about 16 s of sampling on 2 cores after ~15 s of compilation.
DEFAULT_DRAWS = 2000
DEFAULT_TUNE = 500
DEFAULT_CHAINS = 4
#: How nutpie's error begins when the log density or its gradient is not finite at every
#: initial point it tried (nutpie 0.16's ``RuntimeError``; ``ErrorCode(3)``: a non-finite
#: gradient, ``(4)``: a non-finite log density).
NO_INITIAL_POINT = "All initialization points failed"


@contextmanager
def _interrupt_guard() -> Iterator[list[int]]:
    """Record SIGINT/SIGTERM received while sampling (each still raises KeyboardInterrupt).

    nutpie swallows the KeyboardInterrupt (it aborts the chains and returns the draws so
    far); the list of signals received lets the caller refuse that trace. Handlers can
    only be set in the main thread; in another thread only the draw count check guards.
    """
    received: list[int] = []

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, signal.SIG_DFL if old is None else old)


@dataclass(frozen=True)
class SamplerSettings:
    """What determines the draws (``cores`` does not: the sampler seeds each chain).

    ``target_accept`` is 0.9: version 2 of the model (window effects, trend deviations)
    had 3 divergent transitions in 6,000 draws of the real clean sample at PyMC's 0.8.
    ``nuts`` names the NUTS implementation (nutpie, what ``pymc.sample`` calls ``nuts_sampler``), so the
    cache key and the report's diagnostics carry it. ``instruction_set`` is the level the
    sampler's code is compiled for (:mod:`mcvalue.costmodels.pymc.codegen`), filled in by
    :func:`mcvalue.costmodels.pymc.fit.fit_model_data`: draws are the same bits on every CPU of one level, so the cache
    key and the provenance carry it too. ``max_treedepth`` is NUTS's limit on a
    trajectory's doublings (at most ``2 ** max_treedepth`` gradient evaluations a draw);
    10 is nutpie's and PyMC's default, raised only by a retry
    (:func:`mcvalue.costmodels.pymc.attempts.next_attempt`).
    """

    draws: int
    tune: int
    chains: int
    seed: int
    target_accept: float = 0.9
    nuts: str = NUTS_SAMPLER
    instruction_set: str = ""
    max_treedepth: int = 10


@dataclass(frozen=True)
class CompiledPosterior:
    """A fit's PyMC model and nutpie's compilation of its log density: compiled once, sampled by every attempt."""

    model: pm.Model
    compiled: Any  # nutpie's CompiledModel (nutpie has no type stubs)


def compile_posterior(data: ModelData, priors: ModelPriors | None = None) -> CompiledPosterior:
    """Build the model of ``data`` and compile its log density and gradient with numba, as ``pymc.sample`` has nutpie do."""
    import nutpie

    model = build_model(data, priors or ModelPriors())
    return CompiledPosterior(model, nutpie.compile_pymc_model(model, backend="numba"))


def chain_seed(seed: int, chains: int) -> int:
    """Return the seed nutpie is given for ``seed``: what ``pymc.sample`` passes it (the first of its per-chain seeds).

    Examples
    --------
    >>> chain_seed(1, 4) == chain_seed(1, 2)  # the first spawned stream does not depend on how many follow it
    True
    """
    import numpy as np

    return int(np.random.default_rng(seed).spawn(chains)[0].integers(2**30))


def sample_posterior(
    posterior: CompiledPosterior, sampler: SamplerSettings, *, cores: int, progress: bool, step_budget: int | None = None
) -> DataTree:
    """Run nutpie's NUTS on a compiled model with ``sampler``'s settings; the DataTree it returns, completed as PyMC does.

    The chains run on ``min(cores, chains)`` threads. The trace gets PyMC's ``constant_data``
    and ``observed_data`` groups and sampling-time attributes (``patch_nutpie_idata``).
    ``step_budget`` (None: no limit) bounds any chain's leapfrog steps over its kept draws
    (:class:`StepBudget`); it never changes the draws of a chain that stays within it.

    Raises
    ------
    ValueError
        ``sampler.nuts`` names a sampler other than nutpie (the settings would misstate the draws).
    SamplerStartError
        nutpie found no initial point with a finite log density and gradient (its message,
        first line, follows "the sampler found no starting point: ").
    StepBudgetExceeded
        A chain's kept draws took more than ``step_budget`` leapfrog steps (sampling stops
        as soon as that is certain).
    KeyboardInterrupt
        Sampling was interrupted (SIGINT, SIGTERM) or returned fewer chains or draws than
        ``sampler`` asks for: a cut-short trace is never returned.
    """
    if sampler.nuts != NUTS_SAMPLER:
        raise ValueError(f"sampler settings name {sampler.nuts!r}; only {NUTS_SAMPLER!r} samples here")
    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata
    from pymc.progress_bar import NutpieProgressBarManager, default_progress_theme

    bar = NutpieProgressBarManager(chains=sampler.chains, draws=sampler.draws, progressbar=progress, progressbar_theme=default_progress_theme)
    budget = StepBudget(step_budget, sampler) if step_budget is not None else None
    with _interrupt_guard() as received, bar:
        start = time.time()
        try:
            running = nutpie.sample(
                posterior.compiled,
                draws=sampler.draws,
                tune=sampler.tune,
                chains=sampler.chains,
                cores=min(cores, sampler.chains),
                seed=chain_seed(sampler.seed, sampler.chains),
                save_warmup=False,
                store_unconstrained=False,
                progress_bar=False,
                progress_callback=bar.update if budget is None else budget.watching(bar.update),
                target_accept=sampler.target_accept,
                maxdepth=sampler.max_treedepth,
                blocking=budget is None,
            )
            idata = running if budget is None else budget.wait(running)
        except Exception as error:
            if received:  # an interrupted trace the sampler failed to convert
                raise KeyboardInterrupt from None
            if str(error).startswith(NO_INITIAL_POINT):
                raise SamplerStartError(f"the sampler found no starting point: {_first_line(error)}") from None
            raise
        if not received:
            patch_nutpie_idata(idata, posterior.model, sampling_time=time.time() - start)
    if received or not _complete(idata, sampler):
        raise KeyboardInterrupt
    if budget is not None:
        budget.check(idata)
    return cast("DataTree", idata)


class StepBudget:
    """Stop sampling once a chain's kept draws certainly took more than ``limit`` leapfrog steps.

    A chain whose step size has collapsed spends ``2 ** max_treedepth - 1`` leapfrog steps
    on every draw and moves nowhere; at the third attempt's depth (14) one such chain takes
    hours. The rule is a function of the draws alone, so a fit's outcome does not depend on
    the machine or on when progress is reported: a chain's steps over its kept draws (the
    sum of ``n_steps`` in the trace) above ``limit``. nutpie reports each chain's finished
    draws and steps, tuning included, while it samples (one consistent pair: nuts-rs counts
    a draw and its steps together, under one lock, and reports a copy). Sampling is stopped
    as soon as a chain's steps, less the most its tuning can have taken (:meth:`tuning_bound`),
    exceed the limit; a finished trace is checked exactly (:meth:`check`).
    """

    def __init__(self, limit: int, sampler: SamplerSettings) -> None:
        self.limit = limit
        self.tune = sampler.tune
        self.most_steps_a_draw: int = 2**sampler.max_treedepth - 1
        self.tuning_bounds: dict[int, int] = {}  # chain index -> its tuning_bound from the latest report during tuning
        self.exceeded = threading.Event()

    def tuning_bound(self, index: int, chain: Any) -> int:
        """Return the most leapfrog steps chain ``index``'s tuning can have taken, given its report ``chain``.

        A report made during tuning (``finished_draws`` at most ``tune``) bounds it by its steps
        so far plus the most the remaining tuning draws can take; the latest such report is
        kept. Before any (a chain first seen after its tuning), the most tuning can take at
        all: ``tune * (2 ** max_treedepth - 1)``. A chain stuck at the depth limit from its
        first draws thus stops no later than before, and one that got stuck late in tuning
        up to its tuning's unused steps sooner (dataset 196 of the calibration: ~13 million
        of its 102.8 million, about 20 minutes of a core).
        """
        if chain.finished_draws <= self.tune:
            self.tuning_bounds[index] = chain.total_num_steps + (self.tune - chain.finished_draws) * self.most_steps_a_draw
        return self.tuning_bounds.get(index, self.tune * self.most_steps_a_draw)

    def watching(self, update: Any) -> Any:
        """Return a progress callback that calls ``update`` and notes a chain certainly over the limit (it runs in nutpie's thread)."""

        def callback(chains: Any) -> None:
            if any(chain.total_num_steps - self.tuning_bound(index, chain) > self.limit for index, chain in enumerate(chains)):
                self.exceeded.set()
            update(chains)

        return callback

    def wait(self, running: Any) -> Any:
        """Wait for nutpie's background sampler; cancel it and raise StepBudgetExceeded once a chain is over the limit."""
        try:
            while not self.exceeded.is_set():
                try:
                    running._sampler.wait(0.5)  # nutpie 0.16 raises TimeoutError while sampling goes on
                    return running.wait()
                except TimeoutError:
                    continue
        except BaseException:
            running.cancel()
            raise
        running.cancel()
        raise self.error()

    def check(self, idata: DataTree) -> None:
        """Raise StepBudgetExceeded if a chain's kept draws took more than the limit (the exact rule, on the finished trace)."""
        if int(idata.sample_stats["n_steps"].sum("draw").max()) > self.limit:
            raise self.error()

    def error(self) -> StepBudgetExceeded:
        """Return the error saying which limit a chain passed."""
        return StepBudgetExceeded(f"a chain's draws took more than {self.limit:,} leapfrog steps")


def _first_line(error: BaseException) -> str:
    """Return the first line of an error's message (nutpie's messages go on with a Rust backtrace)."""
    return str(error).splitlines()[0].strip()


def _complete(idata: DataTree, sampler: SamplerSettings) -> bool:
    """Whether the posterior holds every chain and every draw ``sampler`` asks for."""
    sizes = idata.posterior.sizes
    return bool(sizes.get("chain", 0) >= sampler.chains and sizes.get("draw", 0) >= sampler.draws)
