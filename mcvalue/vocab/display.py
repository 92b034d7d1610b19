"""What people see a thing called, and in which colour: one registry for tables, figures, terminal, HTML and compare.

Every quantity has one display name: a prior quantity its prior's ``label``
(:meth:`mcvalue.Scenario.label`), the grouped inputs of the decision analysis one
fixed name each (:data:`METHOD_NAME`, :data:`BENEFIT_METHOD_NAME`, :data:`FTE_NAME`), and a method's FTE
``FTE, <method>``. Every costing method has one colour (:data:`METHOD_COLOURS`, from
Okabe & Ito's colour-blind-safe palette), never the grey of an interval band
(:data:`BAND_COLOUR`) nor the red of the paper's figures (:data:`PAPER_COLOUR`).

Light by design: no numpy, no matplotlib; the terminal commands import it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from mcvalue.vocab.paper import METHOD_KEYS

if TYPE_CHECKING:
    from mcvalue.priors.spec import Scenario

#: The key of the costing method as an input of the decision analysis (a categorical input).
METHOD_INPUT = "cost.method"
#: The key of the cost model's FTE draws as an input of the decision analysis (one value per method).
FTE_INPUT = "fte"
#: The key of the benefit method as an input of the decision analysis (a categorical input).
BENEFIT_METHOD_INPUT = "benefit.method"
#: The display name of the costing method, wherever it is an input.
METHOD_NAME = "Costing method"
#: The display name of the benefit method, wherever it is an input.
BENEFIT_METHOD_NAME = "Benefit method"
#: The display name of the FTE draws (full-time-equivalent engineers, every method's at once).
FTE_NAME = "FTE (full-time engineers)"

#: One colour per costing method, in :data:`mcvalue.vocab.paper.METHOD_KEYS` order: Okabe & Ito's
#: palette (Color Universal Design, 2008) without black (our medians) and vermillion (too near
#: the paper's red); distinguishable under the common colour-vision deficiencies.
METHOD_COLOURS: dict[str, str] = dict(zip(METHOD_KEYS, ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#f0e442"), strict=True))
#: What each method's colour is called, for tables that point to the figures.
METHOD_COLOUR_NAMES: dict[str, str] = dict(
    zip(METHOD_KEYS, ("blue", "orange", "bluish green", "reddish purple", "sky blue", "yellow"), strict=True)
)
#: A method outside the registry (a future key) takes this.
OTHER_METHOD_COLOUR = "#7f7f7f"
#: Interval bands (90% interval of the BCR, +-2 MCSE): grey, so no method's colour can be read as a band.
BAND_COLOUR = "#8c8c8c"
#: Our own figures (medians, intervals) and the mixture of methods.
OURS_COLOUR = "#2c3e50"
#: The paper's figures.
PAPER_COLOUR = "#c0392b"


def method_colour(key: str) -> str:
    """Return the colour of costing method ``key`` (grey for a key outside the registry).

    Examples
    --------
    >>> method_colour("contributors_pytorch")
    '#e69f00'
    """
    return METHOD_COLOURS.get(key, OTHER_METHOD_COLOUR)


def method_name(key: str) -> str:
    """Return what a costing method is called: its key (``commits_pytorch``), the name the prior file's weights use."""
    return key


def fte_name(method: str) -> str:
    """Return the display name of one method's FTE draws.

    Examples
    --------
    >>> fte_name("lines_pytorch")
    'FTE, lines_pytorch'
    """
    return f"FTE, {method_name(method)}"


def display_name(key: str, labels: Mapping[str, str] | None = None) -> str:
    """Return the one name of quantity ``key``: its label in ``labels``, else the fixed name of a grouped input, else the key.

    Parameters
    ----------
    key : str
        An input key (``benefit.haircut``, ``cost.method``, ``fte``, ``fte.commits_pytorch``).
    labels : mapping of str to str, optional
        Prior labels by key (:func:`display_names`).

    Returns
    -------
    str

    Examples
    --------
    >>> display_name("cost.method"), display_name("fte.commits_tensorflow"), display_name("benefit.haircut", {"benefit.haircut": "Haircut"})
    ('Costing method', 'FTE, commits_tensorflow', 'Haircut')
    """
    if labels and key in labels:
        return labels[key]
    if key == METHOD_INPUT:
        return METHOD_NAME
    if key == BENEFIT_METHOD_INPUT:
        return BENEFIT_METHOD_NAME
    if key == FTE_INPUT:
        return FTE_NAME
    if key.startswith("fte."):
        return fte_name(key[4:])
    return key


def display_names(scenario: Scenario, extra: Iterable[str] = ()) -> dict[str, str]:
    """Return the display name of every prior quantity of ``scenario``, the grouped inputs and the keys in ``extra``.

    Parameters
    ----------
    scenario : Scenario
        Its priors' labels name the prior quantities.
    extra : iterable of str
        More keys (a summary's ``inputs``, e.g. ``fte.commits_pytorch``).

    Returns
    -------
    dict of str to str
    """
    names = {name: scenario.label(name) for name in scenario.quantities}
    for key in (METHOD_INPUT, FTE_INPUT, *(f"fte.{m}" for m in METHOD_KEYS), *extra):
        names.setdefault(key, scenario.labels.get(key) or display_name(key))
    return names


def unit(key: str) -> str:
    """Return the unit of input ``key``'s values, as tables print it beside them.

    Examples
    --------
    >>> unit("cost.salary_usd"), unit("benefit.haircut"), unit("fte.commits_pytorch")
    ('USD per FTE-year', 'share (0-1)', 'full-time engineers')
    """
    if key == "cost.salary_usd":
        return "USD per FTE-year"
    if key.endswith("_usd"):
        return "USD per year"
    if key.endswith("_rate"):
        return "per year"
    if key == "cost.coverage":
        return "ratio (MLOSS / sample)"
    if key == "cost.activity_threshold":
        return "activity per six months"
    if key == FTE_INPUT or key.startswith("fte."):
        return "full-time engineers"
    if key == METHOD_INPUT:
        return "method"
    return "share (0-1)"
