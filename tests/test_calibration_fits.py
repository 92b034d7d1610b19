"""A small calibration with real fits (slow tier): a two-worker Dask cluster writes the same bytes as one process, and a resumed run after a kill too.

Three datasets on a six-repo design, 2 chains x 100 draws after 150 tuning steps, ranks
among 19 draws: about 10-30 s a fit. The fits fail their gates at these sizes; what is
tested is that the files are a function of the seeds alone.
"""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from test_pymc_model import simulated_data

from mcvalue.calibration import calibrate_design
from mcvalue.calibration.design import CalibrationSettings, simulate_dataset
from mcvalue.calibration.store import RANKS_FILE

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning"), pytest.mark.filterwarnings("ignore::DeprecationWarning")]

SETTINGS = CalibrationSettings(draws=100, tune=150, chains=2, thinned=19)
FILES = ("ranks.jsonl", "summary.json", "ranks.png")


@pytest.fixture(scope="module")
def design():
    return simulated_data(6, np.random.default_rng(1))[0]


@pytest.fixture(scope="module")
def single(design, tmp_path_factory):
    out = tmp_path_factory.mktemp("single")
    calibrate_design(design, 3, out=out, settings=SETTINGS, workers=1)
    return out


def _bytes(directory):
    return {name: (directory / name).read_bytes() for name in FILES}


def test_a_dataset_is_a_function_of_its_index(design):
    a, b = simulate_dataset(design, 2, SETTINGS), simulate_dataset(design, 2, SETTINGS)
    assert a.data.digest() == b.data.digest() and a.true_values() == b.true_values()
    assert simulate_dataset(design, 1, SETTINGS).data.digest() != a.data.digest()


def test_a_prior_draw_is_pymcs_prior_predictive_draw(design):
    """The calibration compiles the prior draw once and reseeds it; the draw is sample_prior_predictive's, bit for bit."""
    import pymc as pm

    from mcvalue.calibration.design import prior_draw
    from mcvalue.costmodels.pymc.graph import build_model

    with pytest.warns(UserWarning, match="Potentials"), build_model(design, SETTINGS.priors):
        for index in (0, 5):
            expected = pm.sample_prior_predictive(1, random_seed=np.random.default_rng([SETTINGS.seed, index, 0])).prior
            drawn = prior_draw(design, index, SETTINGS)
            for name, value in drawn.items():
                np.testing.assert_array_equal(value, expected[name].values.reshape(value.shape), err_msg=f"{name} of dataset {index}")


def test_two_dask_workers_write_the_bytes_of_one_process(design, single, tmp_path):
    result = calibrate_design(design, 3, out=tmp_path, settings=SETTINGS, workers=2)
    assert result.fitted == 3
    assert _bytes(tmp_path) == _bytes(single)


def test_a_resumed_run_verifies_records_and_writes_the_same_bytes(design, single, tmp_path):
    """After a kill: dataset 0's record is kept, a tampered record (1) and a torn one (2) are refitted."""
    shutil.copytree(single, tmp_path, dirs_exist_ok=True)
    lines = (tmp_path / RANKS_FILE).read_text().splitlines()
    tampered = lines[1].replace('"digest": "', '"digest": "0', 1)
    (tmp_path / RANKS_FILE).write_text("\n".join([lines[0], tampered, lines[2][: len(lines[2]) // 2]]))
    result = calibrate_design(design, 3, out=tmp_path, settings=SETTINGS, workers=1)
    assert (result.resumed, result.fitted) == (1, 2)
    assert len(result.rejected) == 2
    assert _bytes(tmp_path) == _bytes(single)


def test_data_no_parameters_explain_are_a_fit_without_a_starting_point(design):
    """Lines that overflowed float64 (dataset 168 of the real design simulates 6) give nutpie no finite start: one McValueError line, exit code 3."""
    from mcvalue.costmodels.pymc.attempts import sample_until_converged
    from mcvalue.errors import SamplerStartError

    data = simulate_dataset(design, 0, SETTINGS).data
    lines = data.contrib_lines.astype(float)
    lines[:2] = np.inf
    with pytest.raises(SamplerStartError, match=r"^the sampler found no starting point: All initialization points failed$") as caught:
        sample_until_converged(replace(data, contrib_lines=lines), SETTINGS.sampler(0), cores=1, progress=False, step_budget=SETTINGS.step_budget)
    assert caught.value.exit_code == 3


def test_a_step_budget_stops_exactly_the_chains_over_it_and_never_changes_the_draws(design):
    """The budget is a rule on the draws: at the busiest chain's own step count the trace is unchanged, one step less stops it."""
    from mcvalue.costmodels.pymc.sampling import compile_posterior, sample_posterior
    from mcvalue.errors import StepBudgetExceeded

    posterior = compile_posterior(simulate_dataset(design, 0, SETTINGS).data, SETTINGS.priors)
    sampler = SETTINGS.sampler(0)
    free = sample_posterior(posterior, sampler, cores=1, progress=False)
    busiest = int(free.sample_stats["n_steps"].sum("draw").max())
    within = sample_posterior(posterior, sampler, cores=1, progress=False, step_budget=busiest)
    for name, values in free.posterior.data_vars.items():
        np.testing.assert_array_equal(within.posterior[name].values, values.values, err_msg=name)
    with pytest.raises(StepBudgetExceeded, match=f"^a chain's draws took more than {busiest - 1:,} leapfrog steps$"):
        sample_posterior(posterior, sampler, cores=1, progress=False, step_budget=busiest - 1)


def test_a_calibration_records_fits_the_step_budget_stopped_as_failures_without_ranks(design, tmp_path):
    """100 draws a chain take at least 100 leapfrog steps, and more unless every trajectory is one step: a budget of 100 stops every fit."""
    settings = replace(SETTINGS, step_budget=100)
    result = calibrate_design(design, 2, out=tmp_path, settings=settings, workers=1)
    stopped = "stopped: a chain's draws took more than 100 leapfrog steps in attempt 1 (100 draws a chain, maximum tree depth 10)"
    assert result.summary["fits_stopped_at_the_step_budget"] == [{"dataset": 0, "failure": stopped}, {"dataset": 1, "failure": stopped}]
    assert (result.summary["fits_failing_gates"], result.summary["all_fits"]) == (2, None)
    records = [json.loads(line) for line in (tmp_path / RANKS_FILE).read_text().splitlines()]
    assert [(r["worst"], r["attempts"], r["step_budget"], r["ranks"]) for r in records] == [("step budget", 1, 100, None)] * 2
