"""The retry rule's constants: how many attempts a fit takes and how each retry's settings change.

Apart from :mod:`~mcvalue.costmodels.pymc.attempts` (which samples, and so imports the
sampler) so that the report and the calibration summary can state the rule without
importing pymc: :mod:`mcvalue.costmodels.pymc.attempts` explains why the rule is what it is.
"""

#: The most attempts a fit takes: the first and up to two retries.
MAX_ATTEMPTS = 3
#: Target acceptance of a retry after a divergence in the attempt before it (the first's is 0.9), for the second and third attempts.
RETRY_TARGET_ACCEPT = (0.95, 0.99)
#: How much deeper a retry's trees may grow after the attempt before it reached its maximum
#: depth: 2 more doublings, up to 4x the gradient evaluations of a draw.
RETRY_TREEDEPTH_INCREASE = 2
#: The posterior attribute recording the attempts: the kept attempt's sampler settings and,
#: after a retry, the first's settings and worst figure.
ATTEMPTS_ATTR = "mcvalue_attempts"
#: The rule in words, part of a calibration's settings key (records of another rule are history).
RULE = (
    f"a fit failing a gate is sampled again, up to {MAX_ATTEMPTS} attempts in all, each with 2x the draws and tuning of the one before, "
    f"target_accept {' then '.join(f'{accept:g}' for accept in RETRY_TARGET_ACCEPT)} after a divergence, "
    f"max tree depth +{RETRY_TREEDEPTH_INCREASE} after a transition reached it"
)
