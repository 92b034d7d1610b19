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
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ imports each name on first use
    from mcvalue.calibration import CalibrationSettings as CalibrationSettings
    from mcvalue.calibration import calibrate as calibrate
    from mcvalue.calibration import forecast_trends as forecast_trends
    from mcvalue.errors import ConvergenceError as ConvergenceError
    from mcvalue.errors import DataError as DataError
    from mcvalue.errors import McValueError as McValueError
    from mcvalue.errors import PriorFileError as PriorFileError
    from mcvalue.errors import RunExistsError as RunExistsError
    from mcvalue.fmt import escape_controls as escape_controls
    from mcvalue.fmt import printable as printable
    from mcvalue.io.jsontext import to_json as to_json
    from mcvalue.plots import plot_bcr as plot_bcr
    from mcvalue.plots import plot_benefit_chain as plot_benefit_chain
    from mcvalue.plots import plot_cost_by_method as plot_cost_by_method
    from mcvalue.plots import plot_evppi as plot_evppi
    from mcvalue.plots import plot_exceedance as plot_exceedance
    from mcvalue.plots import plot_ppc as plot_ppc
    from mcvalue.plots import plot_sobol as plot_sobol
    from mcvalue.plots import plot_tornado as plot_tornado
    from mcvalue.priors.load import load_scenario as load_scenario
    from mcvalue.priors.load import new_prior_file as new_prior_file
    from mcvalue.priors.spec import Scenario as Scenario
    from mcvalue.report import report_directory as report_directory
    from mcvalue.report import text as text
    from mcvalue.report import write_report as write_report
    from mcvalue.report.figures import write_comparison_plot as write_comparison_plot
    from mcvalue.report.figures import write_prior_plot as write_prior_plot
    from mcvalue.runs.compare_sides import compare as compare
    from mcvalue.runs.comparison import Comparison as Comparison
    from mcvalue.runs.fit_cost import fit as fit
    from mcvalue.runs.result import AuditReport as AuditReport
    from mcvalue.runs.result import FitResult as FitResult
    from mcvalue.runs.result import RunResult as RunResult
    from mcvalue.runs.result import RunSummary as RunSummary
    from mcvalue.runs.result import Table1Result as Table1Result
    from mcvalue.runs.run_scenario import run as run
    from mcvalue.runs.samples import audit as audit
    from mcvalue.runs.samples import collect_sample as collect_sample
    from mcvalue.runs.samples import fetch_data as fetch_data
    from mcvalue.runs.samples import reproduce as reproduce

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "load_scenario": "mcvalue.priors.load",
    "new_prior_file": "mcvalue.priors.load",
    "Scenario": "mcvalue.priors.spec",
    "run": "mcvalue.runs.run_scenario",
    "fit": "mcvalue.runs.fit_cost",
    "reproduce": "mcvalue.runs.samples",
    "audit": "mcvalue.runs.samples",
    "fetch_data": "mcvalue.runs.samples",
    "compare": "mcvalue.runs.compare_sides",
    "Comparison": "mcvalue.runs.comparison",
    "collect_sample": "mcvalue.runs.samples",
    "to_json": "mcvalue.io.jsontext",
    "calibrate": "mcvalue.calibration",
    "CalibrationSettings": "mcvalue.calibration",
    "forecast_trends": "mcvalue.calibration",
    "RunResult": "mcvalue.runs.result",
    "RunSummary": "mcvalue.runs.result",
    "FitResult": "mcvalue.runs.result",
    "Table1Result": "mcvalue.runs.result",
    "AuditReport": "mcvalue.runs.result",
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
