"""R-hat and ESS of many parameter elements at once, against ArviZ and a closed form.

``mcvalue.costmodels.pymc.diagnostics`` computes ArviZ's rank-normalised R-hat and bulk
and tail ESS for every element in one pass instead of ArviZ's loop over elements; these
tests hold it to ArviZ's figures and to the ESS of an AR(1) chain.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from mcvalue.costmodels.pymc.diagnostics import element_figures, ess_bulk, ess_tail, rank_normalised_rhat


def _ar1(rng: np.random.Generator, phi: float, shape: tuple[int, int, int]) -> np.ndarray:
    """(element, chain, draw) AR(1) chains x_t = phi x_(t-1) + e_t, after 100 burn-in steps."""
    noise = rng.normal(size=(*shape[:2], shape[2] + 100))
    return lfilter([1.0], [1.0, -phi], noise, axis=2)[..., 100:]


def _arviz_figures(draws: np.ndarray) -> dict[str, np.ndarray]:
    """ArviZ's rank R-hat, bulk and tail ESS of each element of (element, chain, draw) draws."""
    import arviz as az
    import xarray as xr

    dataset = xr.Dataset({"x": xr.DataArray(np.moveaxis(draws, 0, 2), dims=("chain", "draw", "element"))})
    with np.errstate(divide="ignore", invalid="ignore"):  # ArviZ's 0/0 R-hat of a constant element
        return {
            "r_hat": az.rhat(dataset, method="rank")["x"].values,
            "ess_bulk": az.ess(dataset, method="bulk")["x"].values,
            "ess_tail": az.ess(dataset, method="tail")["x"].values,
        }


@pytest.mark.parametrize("phi", [-0.6, 0.0, 0.5, 0.95, 0.999])
@pytest.mark.parametrize(("chains", "draws"), [(4, 1000), (2, 31), (3, 8)])
def test_figures_equal_arviz_including_ties_constants_and_nan(phi, chains, draws):
    """To 1e-10 on AR(1) chains from antithetic to nearly stuck, with tied, constant and NaN elements."""
    rng = np.random.default_rng(7)
    x = _ar1(rng, phi, (12, chains, draws))
    x[0] = 2.5  # constant: R-hat NaN, ESS = number of draws
    x[1] = np.round(x[1])  # heavy ties: average ranks
    x[2] = np.round(4 * x[2])
    x[3, -1, 0] = np.nan  # one NaN draw: every figure NaN
    x[4, 0] += 3.0  # one chain elsewhere
    ours = {"r_hat": rank_normalised_rhat(x), "ess_bulk": ess_bulk(x), "ess_tail": ess_tail(x)}
    for name, theirs in _arviz_figures(x).items():
        np.testing.assert_allclose(ours[name], theirs, rtol=1e-10, atol=0, err_msg=name)
    assert np.isnan(ours["r_hat"][0]) and ours["ess_bulk"][0] == chains * (draws - draws % 2)
    assert all(np.isnan(ours[name][3]) for name in ours)


@pytest.mark.parametrize("phi", [-0.3, 0.5, 0.9])
def test_bulk_ess_of_ar1_chains_matches_the_closed_form(phi):
    """ESS of an AR(1) chain is N (1 - phi) / (1 + phi); the mean over 50 elements is within 4 standard errors."""
    rng = np.random.default_rng(11)
    ess = ess_bulk(_ar1(rng, phi, (50, 4, 5000)))
    expected = 4 * 5000 * (1 - phi) / (1 + phi)
    standard_error = ess.std(ddof=1) / np.sqrt(ess.size)
    assert abs(ess.mean() - expected) < 4 * standard_error


def test_figures_in_threads_and_blocks_are_those_of_one_block():
    """Splitting the elements into blocks over threads changes no figure, not even in the last bit."""
    rng = np.random.default_rng(3)
    x = _ar1(rng, 0.7, (9, 4, 200))
    whole = {"r_hat": rank_normalised_rhat(x), "ess_bulk": ess_bulk(x), "ess_tail": ess_tail(x)}
    for threads, block_size in ((1, 9), (2, 64), (2, 1), (4, 2), (20, 4)):
        split = element_figures(x, threads=threads, block_size=block_size)
        for name, values in whole.items():
            np.testing.assert_array_equal(split[name], values, err_msg=f"{name}, {threads} threads, blocks of {block_size}")
    assert all(figure.size == 0 for figure in element_figures(x[:0]).values())


def test_too_few_chains_or_draws_give_nan():
    """R-hat needs 2 chains; every figure needs 4 draws (as ArviZ)."""
    rng = np.random.default_rng(0)
    assert np.isnan(rank_normalised_rhat(rng.normal(size=(3, 1, 100)))).all()
    assert np.isfinite(ess_bulk(rng.normal(size=(3, 1, 100)))).all()
    assert np.isnan(ess_tail(rng.normal(size=(3, 4, 3)))).all()
