"""Where shipped prior files are found, and what the priors package may import (issue 8)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mcvalue
from mcvalue.errors import PriorFileError
from mcvalue.priors import load
from mcvalue.priors.spec import MODES, CleaningOptions


def _fake_root(folder: Path, text: str) -> Path:
    """Make a folder holding a ``default.toml`` with the given text."""
    folder.mkdir(parents=True)
    (folder / "default.toml").write_text(text)
    return folder


def test_roots_are_package_data_then_the_clones_priors_folder():
    """Package data first (a wheel), then the repo's top-level priors/ (an editable install)."""
    package = Path(mcvalue.__file__).resolve().parent
    installed, clone = load.shipped_roots()
    assert installed.resolve() == (package / "_priors").resolve()
    assert clone == package.parent / "priors"


def test_installed_copy_wins_and_the_clone_is_the_fallback(tmp_path, monkeypatch):
    """With both present the package data is used; without it, the clone's folder."""
    installed, clone = tmp_path / "mcvalue" / "_priors", tmp_path / "priors"
    _fake_root(clone, "# clone\n")
    monkeypatch.setattr(load, "shipped_roots", lambda: (installed, clone))
    assert load.shipped_path("default") == clone / "default.toml"
    _fake_root(installed, "# installed\n")
    assert load.shipped_path("default") == installed / "default.toml"
    assert load.shipped_names() == ["default"]


def test_no_shipped_files_is_one_error_naming_both_places(tmp_path, monkeypatch):
    """A broken install says where it looked instead of a FileNotFoundError."""
    roots = (tmp_path / "a", tmp_path / "b")
    monkeypatch.setattr(load, "shipped_roots", lambda: roots)
    with pytest.raises(PriorFileError, match=f"looked in {roots[0]} and {roots[1]}"):
        load.shipped_path("default")


def test_a_shipped_name_is_a_plain_name():
    """``extends``-style names cannot climb out of the shipped folder."""
    with pytest.raises(PriorFileError, match="no shipped prior file of that name"):
        load.shipped_path("../pyproject")


def test_the_shipped_folder_is_data_not_a_package():
    """No __init__.py: a top-level ``priors`` package would shadow mcvalue.priors."""
    root = load.shipped_root()
    assert not (root / "__init__.py").exists()
    assert load.shipped_names() == ["default", "genai2023", "paper"]


def test_priors_do_not_import_the_data_layer():
    """The flow is priors -> scenario -> data: loading priors must not import mcvalue.data."""
    code = (
        "import json, sys\n"
        "from mcvalue.priors.load import load_scenario\n"
        "load_scenario(None)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mcvalue.data'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == []


def test_cleaning_options_per_mode():
    """Clean turns every correction on; paper and corrected none; to_dict is JSON-ready."""
    assert MODES == ("paper", "corrected", "clean")
    clean = CleaningOptions.for_mode("clean")
    assert (clean.exclude_bots, clean.merge_duplicate_repos, clean.drop_overlapping_windows, clean.correct_top100) == (True,) * 4
    assert CleaningOptions.for_mode("paper") == CleaningOptions.for_mode("corrected") == CleaningOptions()
    assert CleaningOptions(extra_bots=("x",)).to_dict() == {
        "exclude_bots": False,
        "merge_duplicate_repos": False,
        "drop_overlapping_windows": False,
        "extra_bots": ["x"],
        "correct_top100": False,
    }
