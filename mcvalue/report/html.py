"""report.html: the report as one self-contained page people can send to each other.

The page is report.md's own text rendered to HTML (so the two cannot say different
things), with every figure inlined as a base64 PNG and the styles inline: no script, no
font, no stylesheet and no image is fetched from anywhere. A print stylesheet keeps
tables and figures whole on paper.

The page is inert by construction and by policy: user strings reach report.md escaped
(:func:`mcvalue.report.escaping.escaped`), raw HTML is not rendered, only the figures the
run wrote are inlined (any other image becomes an empty ``data:`` image, never a read or a
fetch), and a Content-Security-Policy forbids every script and every load but inline
styles and ``data:`` images, should anything slip through.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1c2833;
       max-width: 64rem; margin: 2rem auto; padding: 0 1.5rem; line-height: 1.5; font-size: 16px; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #2c3e50; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #d5d8dc; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .85rem; display: block; overflow-x: auto; }
th, td { border: 1px solid #d5d8dc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eaf2f8; }
tr:nth-child(even) td { background: #f8f9f9; }
img { max-width: 100%; height: auto; display: block; margin: 1rem auto; }
blockquote { border-left: 4px solid #c0392b; margin: 1rem 0; padding: .3rem 1rem; background: #fdedec; }
code { font-size: .9em; background: #f4f6f6; padding: 0 .2rem; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  table { display: table; font-size: 8pt; }
  tr, img, blockquote { break-inside: avoid; }
  img { max-height: 45vh; }
}
"""

_IMAGE = re.compile(r'<img src="([^"]*)"')
_FIGURE = re.compile(r"figures/[A-Za-z0-9_-]+\.png")
#: Nothing but inline styles and inline images, and no script at all: what the page promises.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _inline_images(body: str, directory: Path) -> str:
    """Replace each image source by a data URI: a figure the run wrote by its bytes, anything else by an empty image."""
    figures = {f"figures/{path.name}" for path in (directory / "figures").glob("*.png") if path.is_file() and not path.is_symlink()}

    def data_uri(match: re.Match[str]) -> str:
        source = match.group(1)
        if not (_FIGURE.fullmatch(source) and source in figures):
            return '<img src="data:,"'
        payload = base64.b64encode((directory / source).read_bytes()).decode("ascii")
        return f'<img src="data:image/png;base64,{payload}"'

    return _IMAGE.sub(data_uri, body)


def render_html(markdown_text: str, directory: Path, title: str = "mcvalue report") -> str:
    """Return report.html's text: ``markdown_text`` (report.md) as a self-contained page.

    Parameters
    ----------
    markdown_text : str
        report.md's text; its images are ``figures/<stem>.png`` relative to ``directory``.
    directory : pathlib.Path
        The run directory holding ``figures/``.
    title : str
        The page title.

    Returns
    -------
    str
        An HTML5 document with inline styles and figures and no script.
    """
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown_text)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{_inline_images(body, directory)}</body>\n</html>\n"
    )
