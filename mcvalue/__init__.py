"""mcvalue: credible intervals for the benefit-cost ratio of ML open source software.

The pipeline runs one way: priors -> scenario -> data -> fit -> simulate -> summarise
-> report. This module is the public API; the ``mcvalue`` command is a thin shell over it.

Examples
--------
>>> import mcvalue
>>> scenario = mcvalue.load_scenario("default").with_settings(draws=20_000)
>>> scenario = scenario.with_prior("benefit.haircut", {"dist": "lognormal", "ci90": [0.05, 0.2], "upper": 1})
>>> result = mcvalue.run(scenario)  # doctest: +SKIP
>>> result.summary()["bcr"]["median"]  # doctest: +SKIP
>>> result.draws().head()  # doctest: +SKIP
>>> mcvalue.write_report(result, "results/mine")  # doctest: +SKIP

Names are imported on first use, so ``import mcvalue`` (and ``mcvalue --help``) stays
fast: pandas, pymc, arviz and matplotlib load only when a function needs them.
"""

from importlib import import_module
from typing import Any

__version__ = "0.2.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "load_scenario": "mcvalue.priors.load",
    "new_prior_file": "mcvalue.priors.load",
    "Scenario": "mcvalue.priors.spec",
    "run": "mcvalue.pipeline",
    "fit": "mcvalue.pipeline",
    "reproduce": "mcvalue.pipeline",
    "audit": "mcvalue.pipeline",
    "fetch_data": "mcvalue.pipeline",
    "compare": "mcvalue.pipeline",
    "Comparison": "mcvalue.comparison",
    "collect_sample": "mcvalue.pipeline",
    "to_json": "mcvalue.pipeline",
    "calibrate": "mcvalue.calibration",
    "CalibrationSettings": "mcvalue.calibration",
    "forecast_trends": "mcvalue.calibration",
    "RunResult": "mcvalue.result",
    "write_report": "mcvalue.report",
    "report_directory": "mcvalue.report",
    "write_comparison_plot": "mcvalue.report.figures",
    "write_prior_plot": "mcvalue.report.figures",
    "plot_bcr": "mcvalue.plots",
    "plot_cost_by_method": "mcvalue.plots",
    "plot_benefit_chain": "mcvalue.plots",
    "plot_tornado": "mcvalue.plots",
    "plot_exceedance": "mcvalue.plots",
    "plot_sobol": "mcvalue.plots",
    "plot_evppi": "mcvalue.plots",
    "plot_ppc": "mcvalue.plots",
    "McValueError": "mcvalue.errors",
    "DataError": "mcvalue.errors",
    "PriorFileError": "mcvalue.errors",
    "ConvergenceError": "mcvalue.errors",
    "RunExistsError": "mcvalue.errors",
    "text": "mcvalue.report.text",
    "printable": "mcvalue.fmt",
    "escape_controls": "mcvalue.fmt",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mcvalue' has no attribute {name!r}")
    imported = import_module(module)
    value = imported if module.endswith(f".{name}") else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public API (what ``dir(mcvalue)`` and tab completion show)."""
    return sorted(__all__)
