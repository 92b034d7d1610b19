"""The distribution families a prior file may name, one module per family (PreliZ's layout).

Each family's module holds all of it: the pydantic spec a prior table is validated
against (its keys and parametrisations), its law (sampling, CDF and quantile function,
closed-form partial mean), its fit to a stated interval or to quantiles, and how it is
shown. :mod:`~mcvalue.priors.families.registry` collects them into the allow-list;
:mod:`~mcvalue.priors.families.base`, :mod:`~mcvalue.priors.families.law` and
:mod:`~mcvalue.priors.families.quantiles` hold what the families share. Adding a family
is one module here plus its line in the registry (``docs/development.md``).

Parametrisations (the keys of a prior file; an interval key always says what it is):

=============  ==========================================================================
point          ``value``
uniform        ``min``, ``max``
normal         ``mean`` + ``sd``; ``ci90``; ``ci95``
lognormal      ``mu`` + ``sigma`` (of log x); ``mean`` + ``sd`` (of x); ``ci90``; ``ci95``
beta           ``alpha`` + ``beta``; ``mean`` + ``sd``; ``ci90``; ``ci95`` (solved numerically)
gamma          ``shape`` + ``scale``; ``shape`` + ``rate``; ``mean`` + ``sd``; ``ci90``; ``ci95``
triangular     ``min``, ``mode``, ``max``
pert           ``min``, ``mode``, ``max``, optional ``lambda`` (default 4)
choice         ``values``, ``weights`` (discrete)
=============  ==========================================================================

Every continuous family may instead be given ``quantiles``, and takes ``lower`` /
``upper`` truncation bounds (:mod:`~mcvalue.priors.families.base`).
"""
