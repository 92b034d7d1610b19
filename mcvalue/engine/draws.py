"""The engine's random draws: one seeded stream per name, the prior quantities' draws with their rank correlations, the method mixtures.

Separate from the formulas (:mod:`mcvalue.engine.formulas`) because everything random is
here and nothing here computes a cost or a benefit.

Seeding: every random stream (each quantity, the rank-correlation scores, the FTE
resample, the costing-method and benefit-method mixtures) has its own child seed, ``SeedSequence(seed,
spawn_key=(crc32(name),))``. A stream therefore depends only on the run seed and its own
name, so adding, removing or editing one quantity leaves every other quantity's draws
unchanged.

Rank correlations are imposed by the Iman-Conover method (Iman & Conover 1982): a matrix
of normal scores is given the target correlation and each quantity's independent draws
are re-ordered to follow its column's ranks. The draws are only permuted, so each
marginal is kept exactly.
"""

import zlib
from pathlib import Path

import numpy as np

from mcvalue.errors import PriorFileError
from mcvalue.priors.correlation import conflict_message, correlation_matrix, first_conflict, normal_scores_pearson
from mcvalue.priors.spec import BENEFIT_METHOD_KEYS, Scenario
from mcvalue.vocab.paper import METHOD_KEYS

#: Names of the random streams that are not prior quantities (see :func:`child_rng`).
CORRELATION_STREAM = "__correlations__"


FTE_STREAM = "__fte__"


METHOD_STREAM = "__method__"


BENEFIT_STREAM = "__benefit_method__"


def child_rng(seed: int, name: str) -> np.random.Generator:
    """Return the generator of the stream ``name`` under run seed ``seed``.

    The spawn key is the CRC-32 of the name, so the stream depends on nothing but
    ``seed`` and ``name`` (not on which other streams exist or their order).
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def draw_inputs(scenario: Scenario, n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` draws of every prior quantity, with the scenario's rank correlations imposed.

    Each quantity is drawn independently from its own child stream, then the quantities
    named in ``scenario.correlations`` are re-ordered jointly by Iman-Conover.
    """
    draws = {
        name: np.asarray(dist.sample(child_rng(seed, name), n), dtype=float)
        for name, dist in scenario.quantities.items()
    }
    if scenario.correlations:
        draws = impose_rank_correlation(
            draws, scenario.correlations, child_rng(seed, CORRELATION_STREAM), scenario.path
        )
    return draws


def correlated_scores(n: int, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, k) scores whose sample Pearson correlation is exactly ``target`` (k x k).

    Van der Waerden scores Phi^-1(i / (n + 1)) are shuffled per column (sample
    correlation E = Q Q^T), then multiplied by Q^-T P^T where P P^T = target, which
    turns E into target exactly (Iman & Conover's correction for the scores' own
    chance correlation).
    """
    from scipy.special import ndtri

    base = ndtri(np.arange(1, n + 1) / (n + 1))
    scores = np.column_stack([rng.permutation(base) for _ in range(target.shape[0])])
    chol_sample = np.linalg.cholesky(np.corrcoef(scores, rowvar=False))
    return scores @ np.linalg.solve(chol_sample.T, np.linalg.cholesky(target).T)


def impose_rank_correlation(
    draws: dict[str, np.ndarray],
    correlations: dict[tuple[str, str], float],
    rng: np.random.Generator,
    path: Path | None = None,
) -> dict[str, np.ndarray]:
    """Re-order the correlated quantities' draws so their Spearman correlations match.

    Iman-Conover: van der Waerden scores Phi^-1(i / (n + 1)), shuffled per column, are
    given exactly the Pearson correlation 2 sin(pi r / 6) (the normal-scores Pearson
    correlation whose Spearman correlation is r), then each quantity's sorted draws are
    placed at its column's ranks. Quantities not named in a correlation are untouched.
    Raises PriorFileError naming the pair that makes the target infeasible
    (:func:`mcvalue.priors.correlation.first_conflict`).
    """
    names = sorted({name for pair in correlations for name in pair})
    where = f"{path}: " if path is not None else ""
    unknown = [name for name in names if name not in draws]
    if unknown:
        raise PriorFileError([f"{where}correlations: unknown quantity {name!r}" for name in unknown])
    pairs = [(a, b, r) for (a, b), r in correlations.items()]
    bad = first_conflict(pairs)
    if bad is not None:
        raise PriorFileError([f"{where}correlations: {conflict_message(*pairs[bad])}"])
    target_pearson = normal_scores_pearson(correlation_matrix(names, pairs))
    correlated = correlated_scores(len(draws[names[0]]), target_pearson, rng)
    ranks = np.argsort(np.argsort(correlated, axis=0), axis=0)
    out = dict(draws)
    for j, name in enumerate(names):
        out[name] = np.sort(draws[name])[ranks[:, j]]
    return out


def method_probabilities(weights: dict[str, float]) -> np.ndarray:
    """Return the scenario's method weights as probabilities in METHOD_KEYS order (missing = 0)."""
    p = np.array([float(weights.get(key, 0.0)) for key in METHOD_KEYS])
    probabilities: np.ndarray = p / p.sum()
    return probabilities


def benefit_probabilities(weights: dict[str, float]) -> np.ndarray:
    """Return benefit method weights as probabilities in BENEFIT_METHOD_KEYS order (none given: the chain alone).

    Examples
    --------
    >>> benefit_probabilities({}).tolist(), benefit_probabilities({"chain": 1, "market": 3}).tolist()
    ([1.0, 0.0, 0.0], [0.25, 0.75, 0.0])
    """
    p = np.array([float(weights.get(key, 0.0)) for key in BENEFIT_METHOD_KEYS])
    if p.sum() == 0:
        p[0] = 1.0
    probabilities: np.ndarray = p / p.sum()
    return probabilities


def draw_benefit_methods(weights: dict[str, float], n: int, seed: int) -> np.ndarray:
    """Return each of ``n`` draws' benefit method index, from the weights, on its own named stream.

    With one method of weight 1 nothing is drawn (every index is that method's), so a
    chain-only scenario's other streams and draws are exactly what they were before
    benefit methods existed.
    """
    p = benefit_probabilities(weights)
    if np.count_nonzero(p) == 1:
        return np.full(n, int(np.argmax(p)), dtype=np.int64)
    return child_rng(seed, BENEFIT_STREAM).choice(len(BENEFIT_METHOD_KEYS), size=n, p=p)
