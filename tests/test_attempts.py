"""A fit failing a convergence gate is sampled again with longer chains, up to three attempts (mcvalue.costmodels.pymc.attempts)."""

import json
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from mcvalue.costmodels.pymc import attempts
from mcvalue.costmodels.pymc.attempts import (
    ATTEMPTS_ATTR,
    MAX_ATTEMPTS,
    attempt_record,
    attempt_warning,
    attempts_settled,
    next_attempt,
    sample_until_converged,
)
from mcvalue.costmodels.pymc.sampling import SamplerSettings

FIRST = SamplerSettings(draws=2000, tune=500, chains=4, seed=7)
WORST = {"parameter": "commit_trend", "figure": "r_hat", "value": 1.0215, "threshold": 1.01}


def _checks(converged, divergences=0, depth_hits=0):
    return {"converged": converged, "divergences": divergences, "max_treedepth_hits": depth_hits, "worst": WORST}


@pytest.mark.parametrize(("divergences", "accept"), [(0, 0.9), (1, 0.95)])
def test_second_attempt_doubles_draws_and_tuning_and_raises_acceptance_only_after_a_divergence(divergences, accept):
    second = next_attempt(FIRST, _checks(False, divergences), 1)
    assert (second.draws, second.tune, second.chains, second.seed, second.target_accept) == (4000, 1000, 4, 7, accept)
    assert second.max_treedepth == FIRST.max_treedepth == 10


@pytest.mark.parametrize(("depth_hits", "depth"), [(0, 10), (12, 12), (None, 12)])
def test_second_attempt_grows_deeper_trees_only_after_the_first_reached_its_depth_or_did_not_record_it(depth_hits, depth):
    second = next_attempt(FIRST, _checks(False, depth_hits=depth_hits), 1)
    assert (second.max_treedepth, second.target_accept) == (depth, 0.9)


@pytest.mark.parametrize(("divergences", "depth_hits", "accept", "depth"), [(0, 0, 0.95, 12), (4, 0, 0.99, 12), (4, 3, 0.99, 14)])
def test_a_third_attempt_doubles_the_seconds_draws_again_and_raises_acceptance_to_099_after_a_divergence(divergences, depth_hits, accept, depth):
    second = next_attempt(FIRST, _checks(False, divergences=1, depth_hits=5), 1)  # 0.95, depth 12
    third = next_attempt(second, _checks(False, divergences, depth_hits), 2)
    assert (third.draws, third.tune, third.chains, third.seed) == (8000, 2000, 4, 7)
    assert (third.target_accept, third.max_treedepth) == (accept, depth)
    with pytest.raises(ValueError, match="at most 3 attempts"):
        next_attempt(third, _checks(False), MAX_ATTEMPTS)


def _fake_sampler(monkeypatch, outcomes):
    """Make every sampling return a fresh posterior whose diagnostics are the next of ``outcomes``.

    Returns the settings of each sampling and the data of each compilation, in order.
    """
    calls, compiled = [], []

    def compile_posterior(data, priors):
        compiled.append(data)
        return f"compiled {data}"

    def sample(posterior, sampler, **kwargs):
        assert posterior == f"compiled {compiled[-1]}"  # every attempt samples the model compiled for this fit
        calls.append(sampler)
        return SimpleNamespace(posterior=SimpleNamespace(attrs={}), outcome=outcomes[len(calls) - 1])

    monkeypatch.setattr(attempts, "compile_posterior", compile_posterior)
    monkeypatch.setattr(attempts, "sample_posterior", sample)
    monkeypatch.setattr(attempts, "posterior_diagnostics", lambda idata: idata.outcome)
    return calls, compiled


def test_a_fit_that_passes_is_sampled_once(monkeypatch):
    calls, compiled = _fake_sampler(monkeypatch, [_checks(True)])
    idata = sample_until_converged("data", FIRST, cores=1, progress=False)
    assert calls == [FIRST] and compiled == ["data"]
    record = attempt_record(idata, FIRST)
    assert record == {"attempts": 1, "sampler": asdict(FIRST), "first_attempt": None}
    assert attempt_warning(record) is None


@pytest.mark.parametrize("second_passes", [True, False])
def test_a_fit_that_fails_is_sampled_again_and_the_second_posterior_kept_when_it_passes(monkeypatch, second_passes):
    calls, _ = _fake_sampler(monkeypatch, [_checks(False, divergences=2), _checks(second_passes), _checks(True)])
    idata = sample_until_converged("data", FIRST, cores=1, progress=False)
    second = next_attempt(FIRST, _checks(False, 2), 1)
    assert calls[:2] == [FIRST, second]
    assert len(calls) == (2 if second_passes else 3)
    record = json.loads(idata.posterior.attrs[ATTEMPTS_ATTR])
    assert record["attempts"] == len(calls) and record["sampler"] == asdict(calls[-1])
    assert record["first_attempt"] == {"sampler": asdict(FIRST), "worst": "commit_trend has r_hat = 1.022 (threshold 1.01)"}
    warning = attempt_warning(record)
    assert "4 x 2000 draws after 500 tuning steps" in warning
    expected = "attempt 2 of at most 3, sampled with 4 x 4000 draws after 1000" if second_passes else "attempt 3 of at most 3, sampled with 4 x 8000 draws after 2000"
    assert expected in warning and "target acceptance 0.95, maximum tree depth 10" in warning


def test_a_fit_failing_three_attempts_keeps_the_third_posterior_and_stops(monkeypatch):
    calls, compiled = _fake_sampler(monkeypatch, [_checks(False), _checks(False, divergences=1), _checks(False), _checks(True)])
    idata = sample_until_converged("data", FIRST, cores=1, progress=False)
    assert [c.draws for c in calls] == [2000, 4000, 8000] and calls[2].target_accept == 0.99
    assert compiled == ["data"]  # three attempts, one compilation
    assert idata.outcome["converged"] is False and json.loads(idata.posterior.attrs[ATTEMPTS_ATTR])["attempts"] == 3


@pytest.mark.parametrize(("converged", "taken", "settled"), [(True, None, True), (True, 2, True), (False, None, False), (False, 2, False), (False, 3, True)])
def test_a_cached_posterior_is_settled_if_it_passed_or_took_every_attempt(monkeypatch, converged, taken, settled):
    """A posterior that failed after fewer attempts than the rule now takes is refitted, not served."""
    monkeypatch.setattr(attempts, "posterior_diagnostics", lambda idata: {"converged": converged})
    attrs = {} if taken is None else {ATTEMPTS_ATTR: json.dumps({"attempts": taken})}
    assert attempts_settled(SimpleNamespace(posterior=SimpleNamespace(attrs=attrs)), FIRST) is settled


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
