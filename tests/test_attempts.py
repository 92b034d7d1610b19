"""A fit failing a convergence gate is sampled once more with longer chains (mcvalue.costmodels.pymc.attempts)."""

import json
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from mcvalue.costmodels.pymc import attempts
from mcvalue.costmodels.pymc.attempts import ATTEMPTS_ATTR, attempt_record, attempt_warning, sample_until_converged, second_attempt
from mcvalue.costmodels.pymc.sampling import SamplerSettings

FIRST = SamplerSettings(draws=2000, tune=500, chains=4, seed=7)
WORST = {"parameter": "commit_trend", "figure": "r_hat", "value": 1.0215, "threshold": 1.01}


def _checks(converged, divergences=0, depth_hits=0):
    return {"converged": converged, "divergences": divergences, "max_treedepth_hits": depth_hits, "worst": WORST}


@pytest.mark.parametrize(("divergences", "accept"), [(0, 0.9), (1, 0.95)])
def test_second_attempt_doubles_draws_and_tuning_and_raises_acceptance_only_after_a_divergence(divergences, accept):
    second = second_attempt(FIRST, _checks(False, divergences))
    assert (second.draws, second.tune, second.chains, second.seed, second.target_accept) == (4000, 1000, 4, 7, accept)
    assert second.max_treedepth == FIRST.max_treedepth == 10


@pytest.mark.parametrize(("depth_hits", "depth"), [(0, 10), (12, 12), (None, 12)])
def test_second_attempt_grows_deeper_trees_only_after_the_first_reached_its_depth_or_did_not_record_it(depth_hits, depth):
    second = second_attempt(FIRST, _checks(False, depth_hits=depth_hits))
    assert (second.max_treedepth, second.target_accept) == (depth, 0.9)


def _fake_sampler(monkeypatch, outcomes):
    """Make every sampling return a fresh posterior whose diagnostics are the next of ``outcomes``; record the settings."""
    calls = []

    def sample(data, sampler, **kwargs):
        calls.append(sampler)
        return SimpleNamespace(posterior=SimpleNamespace(attrs={}), outcome=outcomes[len(calls) - 1])

    monkeypatch.setattr(attempts, "sample_posterior", sample)
    monkeypatch.setattr(attempts, "posterior_diagnostics", lambda idata: idata.outcome)
    return calls


def test_a_fit_that_passes_is_sampled_once(monkeypatch):
    calls = _fake_sampler(monkeypatch, [_checks(True)])
    idata = sample_until_converged(None, FIRST, cores=1, progress=False)
    assert calls == [FIRST]
    record = attempt_record(idata, FIRST)
    assert record == {"attempts": 1, "sampler": asdict(FIRST), "first_attempt": None}
    assert attempt_warning(record) is None


@pytest.mark.parametrize("second_passes", [True, False])
def test_a_fit_that_fails_is_sampled_again_and_the_second_posterior_kept_pass_or_fail(monkeypatch, second_passes):
    calls = _fake_sampler(monkeypatch, [_checks(False, divergences=2), _checks(second_passes)])
    idata = sample_until_converged(None, FIRST, cores=1, progress=False)
    assert calls == [FIRST, second_attempt(FIRST, _checks(False, 2))]
    assert idata.outcome["converged"] is second_passes
    record = json.loads(idata.posterior.attrs[ATTEMPTS_ATTR])
    assert record["attempts"] == 2 and record["sampler"] == asdict(calls[1])
    assert record["first_attempt"] == {"sampler": asdict(FIRST), "worst": "commit_trend has r_hat = 1.022 (threshold 1.01)"}
    warning = attempt_warning(record)
    assert "4 x 2000 draws after 500 tuning steps" in warning and "4 x 4000 draws after 1000 tuning steps, target acceptance 0.95, maximum tree depth 10" in warning


def test_a_posterior_written_before_attempts_were_recorded_is_its_settings_first_attempt():
    idata = SimpleNamespace(posterior=SimpleNamespace(attrs={}))
    assert attempt_record(idata, FIRST) == {"attempts": 1, "sampler": asdict(FIRST), "first_attempt": None}


def test_the_report_says_which_attempt_the_fit_kept():
    from mcvalue.report.appendix_sections import diagnostics_rows

    first = {"sampler": asdict(FIRST), "worst": "commit_trend has r_hat = 1.022 (threshold 1.01)"}
    rows = diagnostics_rows({"cost_model": "pymc", "attempts": 2, "first_attempt": first})
    (row,) = [r for r in rows if r.startswith("| attempts |")]
    assert "| 2 (first attempt failed: commit_trend has r_hat = 1.022 (threshold 1.01)) |" in row
    (row,) = [r for r in diagnostics_rows({"cost_model": "pymc", "attempts": 1, "first_attempt": None}) if r.startswith("| attempts |")]
    assert "| 1 (passed on its first attempt) |" in row
    assert not any(r.startswith(("| first_attempt", "| attempts | 2 |")) for r in rows)
