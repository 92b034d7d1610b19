"""The sampler's compiled code depends on an instruction-set level, never on the host CPU's model.

A fit on one machine must give the same posterior draws, bit for bit, as on any other
x86-64 machine of the same level. Another machine is stood in for by the settings it would have: numba told to
compile for another CPU model (which :func:`use_portable_target` must override), NumPy
without its AVX-512 kernels, and OpenBLAS on its Haswell (AVX2) kernel.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcvalue.config import cpu_model
from mcvalue.costmodels.pymc.codegen import X86_64_V3, instruction_set

V2 = frozenset({"sse", "sse2", "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "cx16"})


def test_instruction_set_is_the_level_the_features_reach():
    assert instruction_set(V2 | X86_64_V3 | {"avx512f", "avx512bw"}, "x86_64") == "x86-64-v3"
    assert instruction_set(V2 | X86_64_V3, "x86_64") == "x86-64-v3"
    assert instruction_set(V2 | (X86_64_V3 - {"fma"}), "x86_64") == "x86-64"
    assert instruction_set(V2, "x86_64") == "x86-64"
    assert instruction_set(frozenset({"neon"}), "aarch64") == "aarch64 (host)"


def test_cpu_model_reads_proc_cpuinfo_and_falls_back(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n")
    assert cpu_model(info) == "AMD EPYC 9B14"
    assert cpu_model(tmp_path / "missing") == (platform.processor() or platform.machine())


FIT_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, {tests!r})
from test_pymc_model import simulated_data
from mcvalue.costmodels.pymc.fit import fit_model_data
from mcvalue.costmodels.pymc.sampling import SamplerSettings
data, _ = simulated_data(12, np.random.default_rng(3))
fit = fit_model_data(data, sampler=SamplerSettings(draws=60, tune=60, chains=2, seed=4), progress=False, allow_unconverged=True)
post = fit.idata.posterior
draws = {{name: post[name].values.tobytes().hex() for name in sorted(post.data_vars)}}
print(json.dumps({{"draws": draws, "fte": fit.fte.tolist(), "level": fit.sampler.instruction_set, "warnings": list(fit.warnings)}}))
"""


def _fit_in_subprocess(env: dict[str, str], tmp_path: Path, name: str) -> dict:
    """Return the FTE draws and level of a tiny fit in a fresh interpreter with its own empty caches."""
    env = {**env, "MCVALUE_CACHE_DIR": str(tmp_path / name / "cache"), "NUMBA_CACHE_DIR": str(tmp_path / name / "numba"),
           "PYTENSOR_FLAGS": f"compiledir={tmp_path / name / 'pytensor'}"}
    script = FIT_SCRIPT.format(tests=str(Path(__file__).parent))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _another_machine(env: dict[str, str]) -> dict[str, str]:
    """Return the settings another x86-64 machine of the same level would have: another CPU model, no AVX-512 kernels."""
    from numpy._core._multiarray_umath import __cpu_features__

    avx512 = [name for name in ("X86_V4", "AVX512_ICL", "AVX512_SPR") if __cpu_features__.get(name)]
    return {**env, "NUMBA_CPU_NAME": "skylake", "NUMBA_CPU_FEATURES": "+avx2,+fma", "NPY_DISABLE_CPU_FEATURES": " ".join(avx512),
            "OPENBLAS_CORETYPE": "Haswell"}


@pytest.mark.slow
@pytest.mark.skipif(platform.machine() != "x86_64", reason="portable levels are defined for x86-64 only")
def test_a_fit_gives_the_same_bits_with_another_machines_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "NPY_", "OPENBLAS_"))}
    here = _fit_in_subprocess(env, tmp_path, "here")
    there = _fit_in_subprocess(_another_machine(env), tmp_path, "there")
    assert here["level"] == there["level"] == "x86-64-v3" or here["level"] == there["level"] == "x86-64"
    # no warning about code generation; a tiny fit may fail its first attempt, and then both machines say so alike
    assert here["warnings"] == there["warnings"]
    assert all(w.startswith("the cost model's first fit") for w in here["warnings"])
    assert here["draws"] == there["draws"]  # the sampler's path, bit for bit
    # The FTE is derived from the draws in NumPy, whose exp/log kernels differ by an ulp or
    # two between AVX-512 and AVX2 machines; summary.json's 6 significant digits hide that.
    np.testing.assert_allclose(here["fte"], there["fte"], rtol=1e-13, atol=0)
