"""Each method's posterior 90% interval beside a bootstrap over windows within repos.

    python benchmarks/bench_windows.py [--mode clean] [--replicates 2000]

The bootstrap keeps every repo and resamples its sampled windows with replacement (each
window with all its contributor-periods), then computes Table 1's FTE
(:func:`mcvalue.costmodels.pymc.ppc.table1_statistic`). Its spread is the
window-to-window variation the reference repos' means really have; a model that treats
contributor-periods as independent gives narrower intervals (issue 9: commits/pytorch
bootstrap [576, 2073] against version 1's [702, 1145]). The bootstrap's estimand is the
long-run average of the sampled windows, so the posterior is shown for ``target_year =
"average"`` (the same estimand) and for the default 2021.
"""

from __future__ import annotations

import argparse

import numpy as np


def window_bootstrap(data, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """(replicates, 5) Table-1 FTE of datasets whose windows are resampled within each repo."""
    from dataclasses import replace

    from mcvalue.costmodels.pymc.ppc import table1_statistic

    by_repo = [np.flatnonzero(data.period_repo == r) for r in range(data.n_repos)]
    rows_of = [np.flatnonzero(data.contrib_period == p) for p in range(data.period_repo.size)]
    out = np.empty((replicates, 5))
    for b in range(replicates):
        chosen = np.concatenate([rng.choice(idx, idx.size) for idx in by_repo])
        rows = [rows_of[p] for p in chosen]
        new_period = np.repeat(np.arange(chosen.size), [r.size for r in rows])
        taken = np.concatenate(rows)
        boot = replace(
            data,
            period_repo=data.period_repo[chosen],
            period_contributors=data.period_contributors[chosen],
            period_time=data.period_time[chosen],
            period_sync_commits=data.sync_units("commits")[chosen],
            period_sync_lines=data.sync_units("lines")[chosen],
        )
        out[b] = table1_statistic(boot, boot.period_contributors, new_period, data.contrib_commits[taken], data.contrib_lines[taken])
    return out


def main() -> None:
    """Fit (or load) the model, bootstrap the windows, print the intervals side by side."""
    from mcvalue.costmodels.pymc.derived import fte_from_params, repo_params
    from mcvalue.costmodels.pymc.fit import fit_cost_model, posterior_draws
    from mcvalue.costmodels.pymc.model_data import model_data_from_sample
    from mcvalue.data import load_sample
    from mcvalue.vocab.paper import TABLE1_KEYS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", default="clean")
    parser.add_argument("--replicates", type=int, default=2000)
    args = parser.parse_args()
    sample = load_sample(args.mode)
    data = model_data_from_sample(sample)
    fit = fit_cost_model(sample, progress=False, allow_unconverged=True)
    params = repo_params(posterior_draws(fit.idata))
    post = {year: fte_from_params(params, data, year) for year in ("average", 2021)}
    boot = window_bootstrap(data, args.replicates, np.random.default_rng(0))
    interval = lambda a: "[{:.0f}, {:.0f}]".format(*np.nanquantile(a, [0.05, 0.95]))  # noqa: E731
    print(f"{args.mode} mode; 90% intervals of FTE; bootstrap over windows within repos ({args.replicates} replicates)")
    print(f"{'method':22s}{'window bootstrap':>20s}{'posterior, average':>22s}{'posterior, 2021':>20s}")
    for j, key in enumerate(TABLE1_KEYS):
        print(f"{key:22s}{interval(boot[:, j]):>20s}{interval(post['average'][:, j]):>22s}{interval(post[2021][:, j]):>20s}")


if __name__ == "__main__":
    main()
