"""The allow-list: the only distribution families a prior file may name, collected from their modules.

A family is registered by one line in :data:`FAMILIES` (its spec class, imported from its
module); the order is the order messages list them in. Its ``dist`` tag is read from the
spec's ``Literal``, so the name is written once, in the family's module.
"""

import typing
from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from mcvalue.priors.families.base import Family
from mcvalue.priors.families.beta import BetaSpec
from mcvalue.priors.families.choice import ChoiceSpec
from mcvalue.priors.families.gamma import GammaSpec
from mcvalue.priors.families.lognormal import LognormalSpec
from mcvalue.priors.families.normal import NormalSpec
from mcvalue.priors.families.pert import PertSpec
from mcvalue.priors.families.point import PointSpec
from mcvalue.priors.families.triangular import TriangularSpec
from mcvalue.priors.families.uniform import UniformSpec

#: Every family's spec, in the order messages list them.
FAMILIES: tuple[type[Family], ...] = (
    PointSpec,
    UniformSpec,
    NormalSpec,
    LognormalSpec,
    BetaSpec,
    GammaSpec,
    TriangularSpec,
    PertSpec,
    ChoiceSpec,
)


def family_name(spec: type[Family]) -> str:
    """Return the ``dist`` tag a family's spec declares (``Literal["name"]``)."""
    name: str = typing.get_args(spec.model_fields["dist"].annotation)[0]
    return name


#: The allow-list: ``dist`` name -> the family's spec.
DIST_MODELS: dict[str, type[Family]] = {family_name(spec): spec for spec in FAMILIES}

if TYPE_CHECKING:  # a type checker sees any family; pydantic sees the tagged union
    DistSpec = Family
else:
    DistSpec = Annotated[Union[FAMILIES], Field(discriminator="dist")]  # noqa: UP007 (a runtime tuple)
