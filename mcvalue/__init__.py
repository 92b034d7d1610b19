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
    from mcvalue.comparison import Comparison as Comparison
    from mcvalue.errors import ConvergenceError as ConvergenceError
    from mcvalue.errors import DataError as DataError
    from mcvalue.errors import McValueError as McValueError
    from mcvalue.errors import PriorFileError as PriorFileError
    from mcvalue.errors import RunExistsError as RunExistsError
    from mcvalue.fmt import escape_controls as escape_controls
    from mcvalue.fmt import printable as printable
    from mcvalue.pipeline import audit as audit
    from mcvalue.pipeline import collect_sample as collect_sample
    from mcvalue.pipeline import compare as compare
    from mcvalue.pipeline import fetch_data as fetch_data
    from mcvalue.pipeline import fit as fit
    from mcvalue.pipeline import reproduce as reproduce
    from mcvalue.pipeline import run as run
    from mcvalue.pipeline import to_json as to_json
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
    from mcvalue.result import AuditReport as AuditReport
    from mcvalue.result import FitResult as FitResult
    from mcvalue.result import RunResult as RunResult
    from mcvalue.result import RunSummary as RunSummary
    from mcvalue.result import Table1Result as Table1Result

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
    "RunSummary": "mcvalue.result",
    "FitResult": "mcvalue.result",
    "Table1Result": "mcvalue.result",
    "AuditReport": "mcvalue.result",
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
