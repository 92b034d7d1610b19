"""``mcvalue priors show --plot`` (issue 12, point 6): every prior's density, its p5 / median / p95 and source."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from mcvalue.cli import app
from mcvalue.plots.charts import prior_density
from mcvalue.priors.load import load_scenario


def test_prior_density_integrates_to_its_mass_and_marks_the_quantiles():
    scenario = load_scenario("default")
    dist = scenario.quantities["cost.salary_usd"]  # lognormal with ci90 = [150K, 400K]
    ax = prior_density(dist, "cost.salary_usd", scenario.label("cost.salary_usd"))
    x, density = ax.get_lines()[0].get_data()
    # the grid spans p0.1-p99.9, so the area is 0.998 up to the error of central differences on
    # 400 quantiles (largest in the steep tails, a few tenths of a percent)
    assert np.trapezoid(density, x) == pytest.approx(0.998, abs=4e-3)
    truth = stats.lognorm(s=np.log(400_000 / 150_000) / (2 * stats.norm.ppf(0.95)), scale=np.sqrt(150_000 * 400_000))
    assert density.max() == pytest.approx(truth.pdf(truth.ppf(np.linspace(0.001, 0.999, 4000))).max(), rel=0.01)
    marked = sorted(line.get_xdata()[0] for line in ax.get_lines()[1:])
    assert marked == pytest.approx([150_000, np.sqrt(150_000 * 400_000), 400_000], rel=1e-9)
    assert ax.get_title() == "Salary per FTE-year (loaded)\np5 \\$150K, median \\$245K, p95 \\$400K"
    assert "levels.fyi" in ax.get_xaxis().get_label().get_text()


def test_priors_show_plot_writes_a_png_and_only_then_loads_matplotlib(tmp_path):
    target = tmp_path / "priors.png"
    result = CliRunner().invoke(app, ["priors", "show", "paper", "--plot", str(target)])
    assert result.exit_code == 0, result.output
    import matplotlib.image as mpimg

    height, width = mpimg.imread(target).shape[:2]
    assert (width, height) == (1210, 1320)  # 11 x 12 in at 110 dpi: 4 rows of 2 panels
    code = "import sys; from mcvalue.cli import main; sys.argv = ['mcvalue', 'priors', 'show']; main()"
    probe = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=False)
    assert probe.returncode == 0, probe.stderr
    assert "matplotlib" not in probe.stderr
