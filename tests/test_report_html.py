"""report.html (issue 12, point 1): self-contained, the markdown's content, and it renders in a real browser.

The browser test renders the page twice in headless chromium: as written, and with every
figure replaced by a white image of the same size (so the layout is identical). The rows
where the two screenshots differ are exactly where figures are drawn on screen.
Locally it skips without a browser; under CI=true it fails.
"""

import base64
import html
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import mcvalue

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--hide-scrollbars",
)
DATA_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Return a quick run over the paper's Table 1 (no data needed), written with its report."""
    scenario = mcvalue.load_scenario(REPO / "priors" / "default.toml").with_settings(cost_model="table1", draws=2000)
    return mcvalue.write_report(mcvalue.run(scenario), tmp_path_factory.mktemp("html") / "run")


@pytest.mark.slow
def test_html_is_self_contained_and_says_what_the_markdown_says(run_dir):
    page = (run_dir / "report.html").read_text()
    markdown = (run_dir / "report.md").read_text()
    assert "<script" not in page.lower() and "@media print" in page
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched: every source is inline
    assert not re.search(r"https?://", page.split("<body>")[1])
    figures = sorted((run_dir / "figures").iterdir())
    inlined = DATA_PNG.findall(page)
    assert len(inlined) == len(figures) == markdown.count("](figures/")
    assert {base64.b64decode(b) for b in inlined} == {f.read_bytes() for f in figures}
    assert page.count("<table>") == markdown.count("\n|---")
    headline = markdown.split("\n")[2].replace("**", "")
    assert headline.startswith("The median benefit-cost ratio")
    assert html.unescape(re.sub(r"<[^>]+>", "", page)).count(headline) == 1


def _browser() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
    return found


def _render(browser: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _blank_figures(page: str) -> str:
    """Return ``page`` with every inline PNG replaced by a white PNG of the same size."""
    import matplotlib.image as mpimg

    def white(match: re.Match) -> str:
        height, width = mpimg.imread(io.BytesIO(base64.b64decode(match.group(1)))).shape[:2]
        buffer = io.BytesIO()
        mpimg.imsave(buffer, np.ones((height, width, 3)), format="png")
        return f'src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}"'

    return DATA_PNG.sub(white, page)


def _bands(rows: np.ndarray) -> list[tuple[int, int]]:
    """Return runs of consecutive True rows as (start, stop)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rows.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2], strict=True))


@pytest.mark.slow
def test_report_html_renders_in_a_headless_browser_with_headline_and_figures(run_dir, tmp_path):
    import matplotlib.image as mpimg

    browser = _browser()
    if browser is None:
        pytest.skip("no chromium on this machine (CI installs it)")
    page = run_dir / "report.html"
    blank = tmp_path / "blank.html"
    blank.write_text(_blank_figures(page.read_text()))

    dom = _render(browser, page, tmp_path / "p1", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "The median benefit-cost ratio of ML open source software is" in dom.stdout
    assert "CONSOLE" not in dom.stderr, [line for line in dom.stderr.splitlines() if "CONSOLE" in line]

    shots = []
    for source, name in ((page, "page"), (blank, "blank")):
        out = tmp_path / f"{name}.png"
        shot = _render(browser, source, tmp_path / f"profile-{name}", f"--screenshot={out}", "--window-size=1280,4000")
        assert shot.returncode == 0 and out.is_file(), shot.stderr[-2000:]
        assert "CONSOLE" not in shot.stderr
        shots.append(mpimg.imread(out)[..., :3])
    drawn, blanked = shots
    assert drawn.shape == blanked.shape == (4000, 1280, 3)

    # The headline: dark text in the top 300 rows, in both renders.
    ink = (drawn[:300].min(axis=2) < 0.5).sum(axis=1)
    assert (ink > 0).sum() >= 20
    # The figures: rows where the two renders differ are where a figure is on screen; with the
    # page 4000 px tall the BCR histogram, the cost forest, the benefit chain and the exceedance
    # curve are in view, each several hundred pixels tall (7 x 4 in at 110 dpi is 770 x 440 px).
    differs = (np.abs(drawn - blanked).max(axis=2) > 0.1).any(axis=1)
    tall = [(a, b) for a, b in _bands(differs) if b - a >= 150]
    assert len(tall) >= 4, tall
    assert not differs[:300].any()  # the headline area holds no figure
