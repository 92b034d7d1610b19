"""Sources of FTE draws per costing method for the cost side (bootstrap; the Bayesian model)."""
