"""mcvalue: credible intervals for the benefit-cost ratio of ML open source software.

The pipeline runs one way: priors -> spec -> data -> fit -> simulate -> summarise -> report.
"""

__version__ = "0.1.0"
