"""The committed reference result is reproducible: a fresh `mcvalue run --name reference`
(default priors and seed, real data, the Bayesian cost model fitted from scratch in an
empty cache) writes byte for byte the committed results/reference/summary.json."""

from pathlib import Path

import pytest

from mcvalue.pipeline import RunOptions, run_and_write

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference" / "summary.json"


@pytest.mark.realdata
def test_fresh_run_reproduces_the_reference_summary(real_data_dir, tmp_path):
    result, path = run_and_write(RunOptions(data_dir=real_data_dir, progress=False), tmp_path, "reference")
    assert result.summary["diagnostics"]["converged"] is True
    assert (path / "summary.json").read_bytes() == REFERENCE.read_bytes()
