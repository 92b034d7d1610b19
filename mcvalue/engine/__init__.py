"""The Monte Carlo engine: prior draws and the cost model's FTE pool in, cost, benefit and BCR draws out, then their summary.

One module per step of the engine: :mod:`~mcvalue.engine.draws` (seeded random
streams, prior draws, rank correlation, method mixtures), :mod:`~mcvalue.engine.formulas`
(the cost, benefit and BCR formulas over arrays), :mod:`~mcvalue.engine.simulate` (the
model callable and the run of a scenario), :mod:`~mcvalue.engine.memory` (what a run
needs), :mod:`~mcvalue.engine.mcse` (Monte Carlo standard errors),
:mod:`~mcvalue.engine.statistics` and :mod:`~mcvalue.engine.summarise` (draws to
summary.json's content).
"""
