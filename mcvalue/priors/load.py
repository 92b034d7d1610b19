"""Read a prior file, follow its ``extends`` chain, validate, and build the :class:`Scenario`.

File layout (see ``priors/default.toml`` for a commented example)::

    extends = "default"          # optional: a shipped name (default, paper, ...) or a
                                 # path relative to this file
    [cost.salary_usd]            # one table per quantity (names in mcvalue.priors.spec)
    dist = "lognormal"
    ci90 = [1.5e5, 4e5]
    source = "..."
    [cost.method_weights]        # weights over the costing methods, summing to 1
    commits_pytorch = 0.2
    ...
    [data]                       # optional: mode and cleaning options
    [run]                        # optional: draws, seed, cost_model
    [[correlations]]             # optional, repeatable: a rank correlation
    between = ["cost.salary_usd", "cost.fte_fraction_contributor"]
    rho = -0.3

Merging an extending file over its base: a quantity table and ``[cost.method_weights]``
replace the base's table *whole* (mixing ``ci90`` from one file with ``mu`` from another
would make no sense); keys of ``[data]`` and ``[run]`` override one by one; a
``[[correlations]]`` entry replaces the base's entry for the same pair, others are kept.
Problems are reported against the file that wrote the offending key.
"""

import hashlib
import importlib.resources
import re
from pathlib import Path
from typing import Any

import mcvalue
from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.base import Loc, Table, suggest
from mcvalue.priors.files import file_problem, read_prior_file, real_path
from mcvalue.priors.resolve import build_scenario
from mcvalue.priors.spec import Scenario
from mcvalue.priors.template import TEMPLATE

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
#: Most files an ``extends`` chain may hold: the shipped ones use 2.
MAX_CHAIN = 16
_MERGED_BY_KEY = ("cost", "benefit", "data", "run")


def shipped_roots() -> tuple[Path, Path]:
    """Return where shipped prior files may live, in the order they are looked for.

    An installed wheel carries them as package data at ``mcvalue/_priors/``; an editable
    install (a clone) has them in the top-level ``priors/`` folder next to the package,
    where users find and edit them.
    """
    package = Path(str(importlib.resources.files("mcvalue")))
    return package / "_priors", Path(mcvalue.__file__).resolve().parent.parent / "priors"


def shipped_root() -> Path:
    """Return the first of :func:`shipped_roots` holding a ``default.toml``; PriorFileError if none does."""
    roots = shipped_roots()
    for root in roots:
        if (root / "default.toml").is_file():
            return root
    looked = " and ".join(map(str, roots))
    raise PriorFileError([f"shipped prior files not found (looked in {looked}): reinstall mcvalue"])


def shipped_names() -> list[str]:
    """Return the names of the prior files shipped with mcvalue (``default``, ``paper``, ...)."""
    return sorted(p.name.removesuffix(".toml") for p in shipped_root().iterdir() if p.name.endswith(".toml"))


def shipped_path(name: str) -> Path:
    """Return the path of a shipped prior file by name; PriorFileError if there is none."""
    path = shipped_root() / f"{name}.toml"
    if not _NAME.match(name) or not path.is_file():
        raise PriorFileError([f"{name}: no shipped prior file of that name (shipped: {', '.join(shipped_names())})"])
    return path


def _display(path: Path) -> str:
    """Name a prior file for messages: shipped files as ``priors/NAME.toml``, others as given."""
    real = real_path(path)
    shipped = real is not None and real.parent == shipped_root().resolve()
    return f"priors/{path.name}" if shipped else str(path)


def _locate_base(target: Any, current: Path, shown: str) -> Path:
    """Return the file an ``extends`` value names: a shipped name or a path relative to ``current``."""
    if not isinstance(target, str):
        raise PriorFileError([f"{shown}: extends: expected a string (a shipped name or a path), got {target!r}"])
    if "\0" in target:
        raise PriorFileError([f"{shown}: extends: {target!r} contains a NUL byte, which no file name can"])
    if _NAME.match(target) and not (current.parent / target).is_file():
        names = shipped_names()
        if target not in names:
            what = f"no shipped prior file '{target}'{suggest(target, names)} and no file of that name"
            raise PriorFileError([f"{shown}: extends: {what} (shipped: {', '.join(names)})"])
        return shipped_path(target)
    path = real_path(current.parent / target)
    if path is None:
        raise PriorFileError([f"{shown}: extends: '{target}' is a symlink loop, not a prior file"])
    problem = file_problem(path)
    if problem == "no such file":
        raise PriorFileError([f"{shown}: extends: no such file '{target}' (looked for {path})"])
    if problem is not None:
        raise PriorFileError([f"{shown}: extends: '{target}' is {problem}"])
    return path


def _chain(path: Path, shown: str) -> tuple[list[tuple[str, Table]], str]:
    """Follow the ``extends`` chain from ``path``, at most :data:`MAX_CHAIN` files long.

    Returns (display name, parsed dict without ``extends``) of every file, the base first,
    and the sha256 of the bytes of ``path`` itself (hashed as read: each file is read once).
    """
    chain: list[tuple[str, Table]] = []
    visited: list[Path] = []
    while True:
        data, raw = read_prior_file(path, shown)
        if not chain:
            sha256 = hashlib.sha256(raw).hexdigest()
        visited.append(path.resolve())
        chain.append((shown, data))
        if "extends" not in data:
            return chain[::-1], sha256
        if len(chain) == MAX_CHAIN:
            raise PriorFileError([f"{shown}: extends: the chain is longer than {MAX_CHAIN} files (is it generated?)"])
        base = _locate_base(data.pop("extends"), path, shown)
        if base.resolve() in visited:
            cycle = " -> ".join(p.name for p in visited + [base.resolve()])
            raise PriorFileError([f"{shown}: extends: circular chain {cycle}"])
        path, shown = base, _display(base)


def _pair(entry: Any) -> frozenset[str] | None:
    """Return the unordered pair a correlation entry names, or None if malformed (validation reports it)."""
    between = entry.get("between") if isinstance(entry, dict) else None
    if isinstance(between, list) and len(between) == 2 and all(isinstance(n, str) for n in between):
        return frozenset(between)
    return None


def _merge(chain: list[tuple[str, Table]]) -> tuple[Table, dict[Loc, str]]:
    """Merge the chain (base first) and record which file set each key."""
    merged: Table = {}
    provenance: dict[Loc, str] = {}
    for shown, data in chain:
        for key, value in data.items():
            if key in _MERGED_BY_KEY and isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            elif key == "correlations" and isinstance(value, list) and isinstance(merged.get(key), list):
                replaced = {_pair(e) for e in value} - {None}
                kept = [(e, provenance[(key, i)]) for i, e in enumerate(merged[key]) if _pair(e) not in replaced]
                entries = kept + [(e, shown) for e in value]
                merged[key] = [e for e, _ in entries]
                provenance.update({(key, i): f for i, (_, f) in enumerate(entries)})
                continue
            else:
                merged[key] = value
            provenance[(key,)] = shown
            if isinstance(value, dict):
                provenance.update({(key, sub): shown for sub in value})
            if isinstance(value, list):
                provenance.update({(key, i): shown for i in range(len(value))})
    return merged, provenance


def _source(path_or_name: Path | str | None) -> Path:
    """Return the file a ``load_scenario`` argument names: None is the default, a plain name a shipped file."""
    if path_or_name is None:
        return shipped_path("default")
    if isinstance(path_or_name, str) and _NAME.match(path_or_name) and not Path(path_or_name).is_file():
        names = shipped_names()
        if path_or_name not in names:
            what = f"no such file and no shipped prior file of that name{suggest(path_or_name, names)}"
            raise PriorFileError([f"{path_or_name}: {what} (shipped: {', '.join(names)})"])
        return shipped_path(path_or_name)
    return Path(path_or_name)


def load_scenario(path_or_name: Path | str | None = None) -> Scenario:
    """Validate a prior file and resolve it into a Scenario.

    Parameters
    ----------
    path_or_name : Path, str or None
        A path to a prior file, the name of a shipped one (``"default"``, ``"paper"``,
        ``"genai2023"``; a file of that name in the working directory wins), or None for
        the shipped default.

    Returns
    -------
    Scenario
        Every quantity's marginal, the weights, correlations and settings, with the
        resolved TOML text written beside a report.

    Raises
    ------
    PriorFileError
        Listing every problem (``FILE: dotted.key: what is wrong``); nothing is sampled
        before validation passes.

    Examples
    --------
    >>> scenario = load_scenario("paper")
    >>> float(scenario.quantities["benefit.haircut"].mean())
    0.1

    """
    file = _source(path_or_name)
    shown = _display(file)
    chain, sha256 = _chain(file, shown)
    merged, provenance = _merge(chain)

    def file_of(loc: Loc) -> str:
        for n in (2, 1):
            if tuple(loc[:n]) in provenance:
                return provenance[tuple(loc[:n])]
        return shown

    # File names only: the resolved text must not depend on where the files live.
    header = "".join(f"# resolved from {Path(name).name}\n" for name, _ in chain)
    return build_scenario(merged, file_of, header, file, sha256, Scenario)


def new_prior_file(path: Path | str) -> Path:
    """Write a fully commented prior file extending the default; refuse to overwrite.

    Parameters
    ----------
    path : pathlib.Path or str
        Where to write; must not exist.

    Returns
    -------
    pathlib.Path
        The file written: every quantity commented out, ready to edit.

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.new_prior_file("priors/mine.toml")  # doctest: +SKIP
    PosixPath('priors/mine.toml')
    """
    target = Path(path)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(TEMPLATE)
    except FileExistsError:
        raise McValueError(f"{target}: already exists; not overwriting it (choose another path)") from None
    except OSError as error:
        raise McValueError(f"{target}: cannot write ({error.strerror})") from None
    return target
