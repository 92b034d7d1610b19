"""The population a BCR is about: coverage is defined against the repository list a sample was drawn from.

``cost.coverage`` is the cost of all MLOSS divided by the cost of the sample's population
(>= 1). The paper's coverage prior is about the paper's tool list (``paper-139``: 139
tools, 137 repositories). A collected sample records the list it was drawn from in its
manifest (``population``: name, size N and the list's sha256; :func:`mcvalue.data.manifest.population_record`).
A prior file states which population its coverage is about (``[cost] population`` and
``[cost] population_size``, default the paper's). A run whose sample was drawn from
another population refuses in one line naming ``cost.coverage`` until the prior states it:
the BCR of 10 repositories priced with the coverage of 139 is not a BCR of anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from mcvalue.errors import DataError, McValueError

if TYPE_CHECKING:
    from mcvalue.priors.spec import Scenario


def sample_population(sample: Path | None) -> dict[str, object] | None:
    """Return the population a sample was drawn from (name, size, repositories_sha256).

    The paper's sample: ``paper-139``. A collected sample: its manifest's ``population``,
    or for a manifest written before samples recorded one, its own repository list's
    (:meth:`mcvalue.data.manifest.Manifest.drawn_from`). None when the manifest cannot be
    read: the cost side then refuses the sample with the reason.
    """
    from mcvalue.priors.settings import PAPER_POPULATION, PAPER_POPULATION_SIZE

    if sample is None:
        return {"name": PAPER_POPULATION, "size": PAPER_POPULATION_SIZE, "repositories_sha256": None}
    from mcvalue.data.manifest import MANIFEST_FILE, Manifest

    try:
        return Manifest.read(Path(sample) / MANIFEST_FILE).drawn_from()
    except DataError:
        return None


def check_population(scenario: Scenario) -> None:
    """Refuse a run whose sample was drawn from another population than the coverage prior is about.

    Raises
    ------
    McValueError
        One line naming ``cost.coverage``, both populations, and the two keys that state it.
    """
    drawn = sample_population(scenario.data.sample)
    if drawn is None:
        return
    stated = (scenario.run.population, scenario.run.population_size)
    if (drawn["name"], drawn["size"]) == stated:
        return
    where = "the paper's sample" if scenario.data.sample is None else f"the sample {scenario.data.sample}"
    raise McValueError(
        f"cost.coverage: the coverage prior is about population {stated[0]!r} ({stated[1]:,} tools), but {where} was drawn from "
        f"{drawn['name']!r} ({drawn['size']:,} tools); state how much all MLOSS exceeds that population: in a prior file set "
        f"[cost] population = {json.dumps(drawn['name'])} and population_size = {drawn['size']} and give [cost.coverage] for it"
    )
