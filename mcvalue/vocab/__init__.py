"""The project's shared vocabulary: the paper's costing methods and figures, and what each thing is called on screen.

Separate from every stage because every stage names the same things (the method keys of
Table 1, the display names and colours): priors, cost models, the engine, the report and
the plots all import it, and it imports nothing heavier than the standard library.
"""
