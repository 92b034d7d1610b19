"""The Bayesian cost model in PyMC: model, fit and posterior cache, diagnostics, PPC.

Only this subpackage imports pymc and arviz; everything else sees FTE draws.
"""
