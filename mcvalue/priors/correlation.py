"""Rank-correlation matrices: building them and deciding whether Iman-Conover can meet them.

One implementation for both places that need it: validation of a prior file
(:mod:`mcvalue.priors.sections`, which names the offending pair) and the engine
(:func:`mcvalue.engine.draws.impose_rank_correlation`, which refuses unvalidated input).

A target of rank (Spearman) correlations R is feasible when R is positive definite *and*
so is the Pearson matrix of the normal scores Iman-Conover builds, 2 sin(pi R / 6): the
engine takes a Cholesky factor of the latter.
"""

import numpy as np

#: Smallest eigenvalue a matrix must exceed to count as positive definite.
EIGEN_TOLERANCE = 1e-10


def correlation_matrix(names: list[str], pairs: list[tuple[str, str, float]]) -> np.ndarray:
    """Symmetric matrix over ``names`` (unit diagonal, 0 for pairs not listed)."""
    index = {name: i for i, name in enumerate(names)}
    matrix = np.eye(len(names))
    for a, b, rho in pairs:
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = rho
    return matrix


def normal_scores_pearson(rank: np.ndarray) -> np.ndarray:
    """Pearson correlation of bivariate normal scores whose Spearman correlation is ``rank``."""
    return 2.0 * np.sin(np.pi * rank / 6.0)


def is_positive_definite(matrix: np.ndarray) -> bool:
    """Whether a symmetric matrix's smallest eigenvalue is clearly positive."""
    return bool(np.linalg.eigvalsh(matrix)[0] > EIGEN_TOLERANCE)


def feasible(rank: np.ndarray) -> bool:
    """Whether Iman-Conover can impose the rank-correlation matrix ``rank``."""
    return is_positive_definite(rank) and is_positive_definite(normal_scores_pearson(rank))


def first_conflict(pairs: list[tuple[str, str, float]]) -> int | None:
    """Index of the pair to blame when the target is infeasible, or None when it is feasible.

    Pairs are added in order and the first whose addition leaves the rank matrix not
    positive definite is named: it conflicts with the pairs before it (pairs not yet
    listed count as 0). A rank matrix that stays positive definite while its normal-score
    version does not (a near-singular target) is blamed on the last pair, which completed it.
    """
    for k in range(len(pairs)):
        names = list(dict.fromkeys(n for a, b, _ in pairs[: k + 1] for n in (a, b)))
        if not is_positive_definite(correlation_matrix(names, pairs[: k + 1])):
            return k
    names = list(dict.fromkeys(n for a, b, _ in pairs for n in (a, b)))
    if pairs and not feasible(correlation_matrix(names, pairs)):
        return len(pairs) - 1
    return None


def conflict_message(a: str, b: str, rho: float) -> str:
    """Say what is wrong when the pair (a, b) makes the target infeasible, and what to do.

    ``rho`` is shown with every digit it has (0.9999999999, never a rounded 1).
    """
    return (
        f"the correlation matrix is not positive definite once ({a}, {b}) rho = {float(rho)!r} is added "
        "to the pairs before it (pairs not listed count as 0); weaken or remove that pair"
    )
