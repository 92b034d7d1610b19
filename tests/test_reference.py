"""The committed reference result is reproducible.

A fresh ``mcvalue run --name reference`` (default priors and seed, real data, the
Bayesian cost model fitted from scratch in an empty cache) must write the committed
``results/reference/summary.json``. Byte for byte when the installed library versions
equal those the reference recorded (the lock's) and the sampler's code is compiled for the
same instruction-set level (``x86-64-v3`` on every x86-64 CPU with AVX2 and FMA, whatever
its model: :mod:`mcvalue.costmodels.pymc.codegen`); otherwise every number must agree
within a tolerance derived from its Monte Carlo standard error, and a failure names what
differs, since another numpy, PyMC or pytensor, or another instruction set, moves the draws.
"""

import json
from pathlib import Path

import pytest

import mcvalue

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference" / "summary.json"
#: Standard errors a reference number may move under other library versions: the draws
#: change, so two independent runs differ by sqrt(2) x MCSE in sd; 5 x sqrt(2) MCSE
#: leaves a chance below 1e-5 per number of a false alarm.
MCSE_TOLERANCE = 5 * 2**0.5


def _signature(summary: dict) -> dict:
    """Return what a summary's bytes depend on besides the inputs: library versions and the compiled code's instruction set."""
    return {**summary["provenance"]["libraries"], "instruction_set": summary["diagnostics"]["sampler"]["instruction_set"]}


def _quantile_pairs(block: dict) -> list[tuple[str, float, float | None]]:
    """(label, value, mcse) of a summary block's median and interval ends."""
    mcse = block["mcse"]["quantiles"]
    out = [("median", block["median"], mcse["0.5"])]
    for mass, (lo_p, hi_p) in {"50": ("0.25", "0.75"), "90": ("0.05", "0.95"), "95": ("0.025", "0.975")}.items():
        lo, hi = block["intervals"][mass]
        out += [(f"{mass}% low", lo, mcse[lo_p]), (f"{mass}% high", hi, mcse[hi_p])]
    return out


@pytest.mark.realdata
@pytest.mark.slow
def test_fresh_run_reproduces_the_reference_summary(real_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path / "cache"))
    result = mcvalue.run(mcvalue.load_scenario("default"), data_dir=real_data_dir)
    path = mcvalue.write_report(result, tmp_path / "reference")
    assert result.summary()["diagnostics"]["converged"] is True
    reference = json.loads(REFERENCE.read_text())
    fresh = result.summary()
    recorded, installed = _signature(reference), _signature(fresh)
    if recorded == installed:
        assert (path / "summary.json").read_bytes() == REFERENCE.read_bytes()
        return
    differ = {k: (recorded.get(k), installed.get(k)) for k in set(recorded) | set(installed) if recorded.get(k) != installed.get(k)}
    for key in ("bcr", "cost_usd", "benefit_usd"):
        for label, value, mcse in _quantile_pairs(reference[key]):
            new = dict((lab, v) for lab, v, _ in _quantile_pairs(fresh[key]))[label]
            assert mcse is not None and abs(new - value) <= MCSE_TOLERANCE * mcse, (
                f"{key} {label}: {new} vs reference {value} (MCSE {mcse}); library versions or instruction set differ: {differ}"
            )
