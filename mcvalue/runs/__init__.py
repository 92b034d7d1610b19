"""Every chain of stages, and nothing else: the public entry points that call one stage after another, and what they return.

    prior file -> Scenario -> data -> cost model (fit) -> simulate -> summarise -> RunResult
    (-> report, written only by :func:`mcvalue.report.write_report`)

One module per entry point or group of them: :mod:`~mcvalue.runs.run_scenario`
(:func:`mcvalue.run`), :mod:`~mcvalue.runs.fit_cost` (:func:`mcvalue.fit`),
:mod:`~mcvalue.runs.samples` (fetch, collect, audit, reproduce),
:mod:`~mcvalue.runs.compare_sides` (:func:`mcvalue.compare`), and the objects they return
(:mod:`~mcvalue.runs.result`, :mod:`~mcvalue.runs.comparison`). Each function is a public
entry point of :mod:`mcvalue` (the CLI is a thin shell over them). None of them writes
files; the caches of the cost side are the exception the design allows (verified, never
trusted).
"""
