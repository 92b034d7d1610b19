"""Hostile prior files (issue 10): each ends in one PriorFileError line naming the file and key.

Never a RecursionError, ValueError, RuntimeError, MemoryError or a hang: malformed paths
and files are refused before reading, and valid-looking but absurd numbers are refused
at validation with the bound they break.
"""

import math
import os
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from mcvalue.errors import PriorFileError
from mcvalue.priors import files
from mcvalue.priors.load import MAX_CHAIN, load_scenario

SALARY = 'extends = "default"\n[cost.salary_usd]\n'


def _problem(path: Path | str) -> str:
    """Load ``path`` and return its one problem line."""
    with pytest.raises(PriorFileError) as raised:
        load_scenario(path)
    assert len(raised.value.problems) == 1, raised.value.problems
    return raised.value.problems[0]


def _file(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    """Write a prior file into ``tmp_path``."""
    path = tmp_path / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- structure


def test_arrays_nested_thousands_deep(tmp_path):
    """Deeper than the parser can go (at the default recursion limit): the line and the dotted key.

    A library imported earlier may raise the recursion limit so that the parser survives;
    the nesting check then refuses the value, still in one line naming its key.
    """
    path = _file(tmp_path, SALARY + 'dist = "point"\nvalue = ' + "[" * 5000 + "]" * 5000 + "\n")
    assert _problem(path) in (
        f"{path}: line 4: cost.salary_usd.value: arrays or inline tables nested too deeply to read; a prior file needs at most 3 levels",
        f"{path}: cost.salary_usd.value: nested more than 8 deep; a prior file needs at most 3 levels",
    )


def test_inline_tables_nested_thousands_deep(tmp_path):
    """Inline tables too: ``{a = {a = ...}}``.

    Whether the parser itself runs out of recursion depends on the interpreter's recursion
    limit, which libraries imported earlier may raise (pytensor does): either way the file
    is refused in one line naming the key, by the parser's limit or by the nesting check.
    """
    path = _file(tmp_path, 'extends = "default"\n[run]\nseed = ' + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    problem = _problem(path)
    assert problem.startswith(
        (f"{path}: line 3: run.seed: arrays or inline tables nested too deeply to read", f"{path}: run.seed.a.a.a.a.a.a.a: nested more than 8 deep")
    ), problem


def test_nesting_the_parser_survives_is_refused_before_validation(tmp_path):
    """Fifty levels parse, but no prior needs more than three: named by its dotted key."""
    path = _file(tmp_path, SALARY + 'dist = "point"\nvalue = ' + "[" * 50 + "]" * 50 + "\n")
    assert (
        _problem(path) == f"{path}: cost.salary_usd.value: nested more than 8 deep; a prior file needs at most 3 levels"
    )


def test_extends_with_a_nul_byte(tmp_path):
    """A NUL byte cannot be in a file name (os.stat raises ValueError on it)."""
    path = _file(tmp_path, 'extends = "base\\u0000.toml"\n')
    assert _problem(path) == f"{path}: extends: 'base\\x00.toml' contains a NUL byte, which no file name can"


def test_a_symlink_loop_as_the_file_and_as_extends(tmp_path):
    """Both ends of a loop of symlinks: pathlib raises RuntimeError or OSError on it."""
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    assert _problem(tmp_path / "a.toml") == f"{tmp_path / 'a.toml'}: a symlink loop, not a prior file"
    path = _file(tmp_path, 'extends = "a.toml"\n')
    assert _problem(path) == f"{path}: extends: 'a.toml' is a symlink loop, not a prior file"


def test_dev_zero_is_not_read(tmp_path):
    """A device is refused before reading (reading /dev/zero whole is a MemoryError)."""
    assert _problem("/dev/zero") == "/dev/zero: not a regular file (a device, pipe or socket), so not a prior file"
    path = _file(tmp_path, 'extends = "/dev/zero"\n')
    assert (
        _problem(path)
        == f"{path}: extends: '/dev/zero' is not a regular file (a device, pipe or socket), so not a prior file"
    )


def test_a_fifo_is_refused_without_blocking(tmp_path):
    """Opening a FIFO for reading would wait for a writer forever."""
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert _problem(fifo) == f"{fifo}: not a regular file (a device, pipe or socket), so not a prior file"


def test_a_file_over_one_mib(tmp_path):
    """Size is checked before reading; the limit is stated."""
    path = _file(tmp_path, "#" * (files.MAX_BYTES + 1) + "\n")
    assert _problem(path) == f"{path}: {files.MAX_BYTES + 2} bytes; a prior file may be at most 1048576 bytes (1 MiB)"


def test_a_file_that_grows_past_the_limit_while_read(tmp_path, monkeypatch):
    """The read itself is capped, so a size that lied (a growing file) cannot exhaust memory."""
    path = _file(tmp_path, "#" * (files.MAX_BYTES + 1) + "\n")
    monkeypatch.setattr(files, "file_problem", lambda p: None)
    assert _problem(path) == f"{path}: more than 1048576 bytes; a prior file may be at most 1048576 bytes (1 MiB)"


def test_an_extends_chain_too_long(tmp_path):
    """A chain of MAX_CHAIN + 4 files is refused where it passes the limit."""
    _file(tmp_path, 'extends = "default"\n', "f0.toml")
    for i in range(1, MAX_CHAIN + 4):
        _file(tmp_path, f'extends = "f{i - 1}.toml"\n', f"f{i}.toml")
    top = tmp_path / f"f{MAX_CHAIN + 3}.toml"
    deepest_read = tmp_path / f"f{MAX_CHAIN + 3 - (MAX_CHAIN - 1)}.toml"
    assert _problem(top) == f"{deepest_read}: extends: the chain is longer than 16 files (is it generated?)"


def test_a_chain_of_exactly_the_limit_loads(tmp_path):
    """MAX_CHAIN files, the shipped default included, are accepted."""
    _file(tmp_path, 'extends = "default"\n', "f0.toml")
    for i in range(1, MAX_CHAIN - 1):
        _file(tmp_path, f'extends = "f{i - 1}.toml"\n', f"f{i}.toml")
    assert load_scenario(tmp_path / f"f{MAX_CHAIN - 2}.toml").run.draws == 200_000


def test_a_file_that_is_not_utf8(tmp_path):
    """Latin-1 bytes: the offset of the first bad byte."""
    path = tmp_path / "latin1.toml"
    path.write_bytes('# café\nextends = "default"\n'.encode("latin-1"))
    assert _problem(path) == f"{path}: not UTF-8 text (byte 5)"


def test_a_directory_as_the_file_and_as_extends(tmp_path):
    """A directory is named as one, whether given or extended."""
    (tmp_path / "folder.toml").mkdir()
    assert _problem(tmp_path / "folder.toml") == f"{tmp_path / 'folder.toml'}: a directory, not a prior file"
    path = _file(tmp_path, 'extends = "folder.toml"\n')
    assert _problem(path) == f"{path}: extends: 'folder.toml' is a directory, not a prior file"


def test_an_unreadable_file(tmp_path, monkeypatch):
    """Tests run as root, so permissions cannot stop a read: the open itself is made to fail."""
    path = _file(tmp_path, 'extends = "default"\n')

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    assert _problem(path) == f"{path}: cannot read (Permission denied)"


# --------------------------------------------------------------------------- numbers

MONEY_BOUND = "amounts of money must lie between 1e-12 and 1e16 USD (world GDP is ~1e14 USD a year)"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'dist = "lognormal"\nci90 = [1e307, 1e308]\n',
            "lognormal(ci90=[1e+307, 1e+308]) has p0.1 = 3.6361e+306 and p99.9 = inf: its quantiles must be finite",
        ),
        # log10 p99.9 = 15.5 + 3.0902 x 1.5 / 1.6449 = 18.318 by hand
        (
            'dist = "lognormal"\nci90 = [1e14, 1e17]\n',
            "lognormal(ci90=[100T, 1e+17]) has p99.9 = 2.08014e+18, above 1e+16: " + MONEY_BOUND,
        ),
        ('dist = "point"\nvalue = 1e-320\n', "point(1e-320) has p0.1 = 9.99989e-321, below 1e-12: " + MONEY_BOUND),
        (
            'dist = "lognormal"\nci90 = [1e-320, 4e5]\n',
            "lognormal(ci90=[1e-320, 400K]) has sigma = 227.9 (of log x), above 10: its 90% interval would span",
        ),
        (
            'dist = "normal"\nmean = 1e308\nsd = 1e308\nlower = 1\n',
            "normal(mean=1e+308, sd=1e+308, lower=1) has p0.1 = 3.47103e+305 and p99.9 = inf: its quantiles must",
        ),
        (
            'dist = "lognormal"\nmu = 0\nsigma = 700\n',
            "lognormal(mu=0, sigma=700) has sigma = 700 (of log x), above 10",
        ),
        (
            'dist = "gamma"\nshape = 1e300\nscale = 1e300\n',
            "gamma(shape=1e+300, scale=1e+300) has p0.1 = inf and p99.9 = inf",
        ),
        (
            'dist = "gamma"\nshape = 1e-300\nscale = 1\n',
            "gamma(shape=1e-300, scale=1) has p0.1 = 0, below 1e-12: " + MONEY_BOUND,
        ),
    ],
    ids=[
        "overflow",
        "above_ceiling",
        "subnormal_point",
        "subnormal_lower_end",
        "huge_normal",
        "sigma_700",
        "gamma_huge",
        "gamma_tiny",
    ],
)
def test_absurd_money_is_refused_naming_the_key_and_the_bound(tmp_path, table, message):
    """Each passed validation before and overflowed (or divided by ~0) downstream."""
    path = _file(tmp_path, SALARY + table)
    assert _problem(path).startswith(f"{path}: cost.salary_usd: {message}")


def test_absurd_coverage_is_refused_with_its_bound(tmp_path):
    """Coverage has its own ceiling, stated: log10 p99.9 = 7.5 + 3.0902 x 0.5 / 1.6449 = 8.4394 by hand."""
    path = _file(tmp_path, 'extends = "default"\n[cost.coverage]\ndist = "lognormal"\nci90 = [1e7, 1e8]\nlower = 1\n')
    assert _problem(path) == (
        f"{path}: cost.coverage: lognormal(ci90=[10M, 100M], lower=1) has p99.9 = 2.7502e+08, above 1e+06: "
        "coverage must be below 1e6 (the MLOSS universe a million times the sample)"
    )


def test_the_widest_accepted_lognormal_has_finite_tails(tmp_path):
    """Sigma 10 is allowed (here for a fraction, truncated at 1), with finite tails and the closed-form mean.

    Truncated lognormal mean: exp(mu + s^2 / 2) Phi((ln 1 - mu - s^2) / s) / Phi((ln 1 - mu) / s).
    """
    path = _file(
        tmp_path, 'extends = "default"\n[benefit.haircut]\ndist = "lognormal"\nmu = -3\nsigma = 10\nupper = 1\n'
    )
    haircut = load_scenario(path).quantities["benefit.haircut"]
    mu, s = -3.0, 10.0
    expected = math.exp(mu + s**2 / 2) * stats.norm.cdf((-mu - s**2) / s) / stats.norm.cdf(-mu / s)
    assert haircut.mean() == pytest.approx(expected, rel=1e-10)
    assert np.all(np.isfinite(haircut.ppf(np.array([0.001, 0.999]))))
