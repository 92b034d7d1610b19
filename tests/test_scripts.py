"""Every script in scripts/ imports against the package as it is (a moved name breaks it here, not in a user's hands)."""

from pathlib import Path

import pytest
from script_helpers import load_script

SCRIPTS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "scripts").glob("*.py"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_imports(name, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "scripts"))  # scripts import each other
    module = load_script(name)
    assert callable(getattr(module, "main", None)), f"scripts/{name}.py has no main()"
