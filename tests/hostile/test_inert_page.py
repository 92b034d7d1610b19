"""The shared page is inert (issue 22, point 4): hostile strings in a prior file reach the report as text.

A prior file's ``label`` and ``source`` carry Markdown images and links (remote, local,
``javascript:``), raw HTML with scripts and event handlers, fake headings, emphasis,
table pipes, entities, mathtext and terminal escapes. The report built from it must show
each string as written and nothing else: the same headings and tables as a clean run,
only the run's own figures inlined, no link, no script.

The browser test loads report.html in headless chromium with every request sent to a
recording proxy on 127.0.0.1 (``--proxy-server``): the page as written, and the page
with its Content-Security-Policy removed (the escaping alone must hold). A control page
with a real remote image and a real script proves the method sees both: its image is
requested from the proxy and its script marks the DOM. Locally the browser test skips
without chromium; under CI=true it fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import mcvalue
from mcvalue.report.html import CONTENT_SECURITY_POLICY

FAST = {"cost_model": "table1", "draws": 2000}
#: A script that, if it ever ran, would mark the DOM and call home.
SCRIPT = "document.body.setAttribute('data-pwned','1');fetch('https://evil.example/ran')"
LABELS = {
    "cost.salary_usd": "![](https://evil.example/label.png)",
    "benefit.haircut": "![x](figures/..png) [x](javascript:f())",
    "benefit.attribution_share": "# heading *em* $\\frac{1$ |x| &lt;",
}


def _sources(port: int) -> dict[str, str]:
    """Return the sources (no length limit): HTML, scripts, autolinks, a loopback URL, line breaks, backticks, ANSI escapes."""
    return {
        "cost.salary_usd": f"<script>{SCRIPT}</script> <img src=x onerror=\"{SCRIPT}\"> <https://evil.example/autolink>",
        "benefit.haircut": f"![local](http://127.0.0.1:{port}/img.png) [link](http://127.0.0.1:{port}/a)\n# not a heading\n> not a quote",
        "benefit.attribution_share": "``code`` `x` \x1b[31mred\x1b[0m <iframe src=https://evil.example/f></iframe> &amp; _u_",
    }


#: The default's distributions (only labels and sources are hostile), so the two runs' numbers, and the
#: rows the report keeps as informative, are the same.
PRIORS = {
    "cost.salary_usd": ('dist = "lognormal"', "ci90 = [150_000, 400_000]"),
    "benefit.haircut": ('dist = "lognormal"', "ci90 = [0.03, 0.3]\nupper = 1"),
    "benefit.attribution_share": ('dist = "beta"', "ci90 = [0.05, 0.2]"),
}


def write_hostile_priors(path: Path, port: int) -> Path:
    """Write a prior file extending the default whose labels and sources are hostile; return it."""
    lines = ['extends = "default"']
    sources = _sources(port)
    for name, (dist, interval) in PRIORS.items():
        # JSON strings are TOML basic strings (\uXXXX escapes, quotes and backslashes escaped)
        lines += [f"[{name}]", dist, interval, f"label = {json.dumps(LABELS[name])}", f"source = {json.dumps(sources[name])}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class _Recorder(socketserver.ThreadingTCPServer):
    """A proxy on 127.0.0.1 that answers every request 404 and records its request line."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                recorder.requests.append(self.rfile.readline(65536).decode("latin-1").strip())
                try:
                    self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

        super().__init__(("127.0.0.1", 0), Handler)

    def ours(self) -> list[str]:
        """Return the requests for hosts the hostile strings name (chromium's own background calls go elsewhere)."""
        return [r for r in self.requests if "evil.example" in r or f"127.0.0.1:{self.server_address[1]}" in r]


@pytest.fixture(scope="module")
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory, recorder) -> tuple[Path, Path]:
    """Return a run from the hostile prior file and a clean run of the same settings, both written."""
    root = tmp_path_factory.mktemp("inert")
    priors = write_hostile_priors(root / "hostile.toml", recorder.server_address[1])
    hostile = mcvalue.write_report(mcvalue.run(mcvalue.load_scenario(priors).with_settings(**FAST)), root / "hostile")
    clean = mcvalue.write_report(mcvalue.run(mcvalue.load_scenario("default").with_settings(**FAST)), root / "clean")
    return hostile, clean


def _tags(page: str) -> dict[str, int]:
    """Count each element name opened in the page's body."""
    body = page.split("<body>", 1)[1]
    names = re.findall(r"<([A-Za-z][A-Za-z0-9]*)", body)
    return {name: names.count(name) for name in sorted(set(names))}


def _visible_text(page: str) -> str:
    """Return the body's text as a reader sees it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.split("<body>", 1)[1]))


def test_hostile_strings_are_shown_as_written_and_add_no_element(runs, recorder):
    hostile, clean = runs
    page, clean_page = (hostile / "report.html").read_text(), (clean / "report.html").read_text()
    # the same elements, in the same numbers, as a clean run: no image, link, heading, script, iframe, cell added
    assert _tags(page) == _tags(clean_page)
    assert "<a " not in page and "<script" not in page.lower() and "<iframe" not in page.lower()
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'<img src="([^"]*)"', page))
    # each label and source reads exactly as written (control characters dropped, line breaks as spaces)
    shown = _visible_text(page)
    for name in PRIORS:
        assert LABELS[name] in shown, name
        expected = _sources(recorder.server_address[1])[name].replace("\x1b", "").replace("\n", " ")
        assert expected in shown, name
    markdown = (hostile / "report.md").read_text()
    assert "\x1b" not in markdown and "\x1b" not in page
    assert markdown.count("\n#") == (clean / "report.md").read_text().count("\n#")  # no heading from a string


def _browser() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
    return found


def _load(browser: str, page: Path, profile: Path, proxy_port: int) -> str:
    """Load ``page`` in headless chromium, every request through the recording proxy; return the DOM after load."""
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", f"--user-data-dir={profile}", f"--proxy-server=http://127.0.0.1:{proxy_port}",
        "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=3000", "--dump-dom", page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_the_page_requests_nothing_and_runs_nothing_in_a_browser(runs, recorder, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium on this machine (CI installs it)")
    port = recorder.server_address[1]
    # control: a real remote image and a real script are seen by this method
    control = tmp_path / "control.html"
    control.write_text(f'<!DOCTYPE html><html><body><img src="http://127.0.0.1:{port}/control.png"><script>{SCRIPT}</script></body></html>')
    dom = _load(browser, control, tmp_path / "profile-control", port)
    assert 'data-pwned="1"' in dom
    assert any("/control.png" in r for r in recorder.ours()) and any("evil.example" in r for r in recorder.ours())
    recorder.requests.clear()

    page = runs[0] / "report.html"
    without_csp = tmp_path / "without-csp.html"
    text = page.read_text()
    without_csp.write_text(text.replace(f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n', ""))
    assert "Content-Security-Policy" in text and "Content-Security-Policy" not in without_csp.read_text()
    for source in (page, without_csp):
        dom = _load(browser, source, tmp_path / f"profile-{source.stem}", port)
        assert "The median benefit-cost ratio of ML open source software is" in dom
        assert "data-pwned=" not in dom.split("<body", 1)[1].split(">", 1)[0]
        assert recorder.ours() == [], source.name
