"""mkdocs hook: pages generated from the code, so the site cannot drift from it.

A page holds a marker comment on a line of its own, replaced when the site is built:

``<!-- mcvalue:priors NAME -->``
    A table of every prior quantity of the shipped prior file NAME (``default``,
    ``paper``, ``genai2023``): key, label, distribution as written, p5 / median / p95 and
    the source the file cites; then the costing methods' weights and rank correlations.
``<!-- mcvalue:cli -->``
    Every command of ``mcvalue`` (Typer's click tree, walked): usage, help text and each
    option with its default.
``<!-- mcvalue:api -->``
    One mkdocstrings ``:::`` block per public name of :mod:`mcvalue` (its ``__all__``),
    under the module that defines it, so the API page lists exactly the public API.

An unknown marker is an error (a warning, which ``mkdocs build --strict`` turns into a
failure). The functions take and return strings, so ``tests/test_docs.py`` checks them
without building the site.
"""

import logging
import math
import re
from typing import Any

log = logging.getLogger("mkdocs.hooks.mcvalue_pages")

#: A marker stands alone on its line (a mention inside a code span is not one).
MARKER = re.compile(r"^<!-- mcvalue:(\w+)(?: ([\w.-]+))? -->$", re.MULTILINE)


def priors_table(name: str) -> str:
    """Return Markdown tables of every prior quantity, weight and correlation of a shipped prior file.

    The stock rates (drawn only under ``[cost] basis = "stock"``) are included whenever
    the file's settings allow a stock.
    """
    import mcvalue
    from mcvalue.fmt import quantity
    from mcvalue.priors.show import show_table

    scenario = mcvalue.load_scenario(name)
    rows = show_table(scenario)
    try:
        stock = scenario.with_settings(basis="stock")
    except mcvalue.McValueError:
        stock = None
    if stock is not None:
        rows += [row for row in show_table(stock) if row["quantity"] not in scenario.quantities]

    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|")

    lines = ["| quantity | label | distribution | p5 | median | p95 | source |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        numbers = (quantity(row["quantity"], row[k]) if row[k] is not None and math.isfinite(row[k]) else "-" for k in ("p5", "median", "p95"))
        lines.append(
            f"| `{row['quantity']}` | {cell(row['label'])} | `{cell(row['distribution'])}` | {' | '.join(numbers)} | {cell(row['source'] or '')} |"
        )
    lines += ["", "| costing method | weight |", "|---|---|"]
    lines += [f"| `{method}` | {weight:g} |" for method, weight in scenario.method_weights.items()]
    lines += ["", "| benefit method | weight |", "|---|---|"]
    lines += [f"| `{method}` | {weight:g} |" for method, weight in scenario.benefit_weights.items()]
    if scenario.correlations:
        lines += ["", "| rank correlation between | Spearman rho |", "|---|---|"]
        lines += [f"| `{a}` ~ `{b}` | {rho:g} |" for (a, b), rho in scenario.correlations.items()]
    run = scenario.run
    settings = f"data mode `{scenario.data.mode}`, cost model `{run.cost_model}`, target year `{run.target_year}`, basis `{run.basis}`"
    return "\n".join(lines) + f"\n\nSettings: {settings}; {run.draws:,} draws, seed {run.seed}.\n"


def cli_reference() -> str:
    """Return Markdown for every ``mcvalue`` command: usage, help and options, from the Typer app itself."""
    import typer

    from mcvalue.cli import app

    root = typer.main.get_command(app)
    sections = []

    def walk(command: Any, path: list[str]) -> None:  # a click command (Typer vendors its own click)
        if hasattr(command, "commands"):
            for name in sorted(command.commands):
                walk(command.commands[name], path + [name])
            return
        ctx = command.context_class(command, info_name=" ".join(path))
        usage = " ".join(command.collect_usage_pieces(ctx))
        lines = [f"### `{' '.join(path)}`", "", f"    {' '.join(path)} {usage}", "", (command.help or "").strip(), ""]
        rows = []
        for param in command.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            names, text = record
            if names == "--help":
                continue
            rows.append(f"| `{names}` | {text.replace('|', '\\|')} |")
        if rows:
            lines += ["| option | meaning |", "|---|---|", *rows, ""]
        sections.append("\n".join(lines))

    walk(root, ["mcvalue"])
    return "\n".join(sections)


def api_reference() -> str:
    """Return one mkdocstrings block per public name of :mod:`mcvalue`, grouped by defining module."""
    import mcvalue

    by_module: dict[str, list[str]] = {}
    for name, module in mcvalue._EXPORTS.items():
        by_module.setdefault(module, []).append(name)
    lines = []
    for module, names in by_module.items():
        lines += [f"## `{module}`", ""]
        for name in names:
            target = module if module.endswith(f".{name}") else f"{module}.{name}"
            lines += [f"::: {target}", "    options:", "      heading_level: 3", ""]
    return "\n".join(lines)


GENERATORS = {"priors": priors_table, "cli": cli_reference, "api": api_reference}


def expand(markdown: str, where: str = "page") -> str:
    """Replace every marker of ``markdown`` with its generated text; log an error for an unknown one."""

    def replace(match: re.Match) -> str:
        kind, argument = match.group(1), match.group(2)
        generator = GENERATORS.get(kind)
        if generator is None:
            log.error("%s: unknown marker mcvalue:%s (known: %s)", where, kind, ", ".join(GENERATORS))
            return match.group(0)
        try:
            return generator(argument) if argument else generator()
        except Exception as error:  # noqa: BLE001 - any failure is one build error naming the page and marker
            log.error("%s: %s: %s", where, match.group(0), error)
            return match.group(0)

    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Expand the markers of one page (mkdocs event)."""
    return expand(markdown, page.file.src_uri)
