"""The layouts of what reviewer shows people: jinja2 templates, HTML autoescaped.

Separate from prompts/ (reviewer.prompts), which holds only what is sent to a model. Every
HTML page reviewer writes is rendered here, from one base layout, so the opinions, the
batch dashboard, the evaluation report and the coming web workbench share their head, the
CJK font stack (base.css, the one place it is written) and their parts:

- base.html.j2: the page shell; pages fill the blocks title, style and body;
- base.css: the font stack and the styles of the partials;
- partials/indicators.html.j2: a form's indicator table with the recomputed scores;
- partials/comments.html.j2: a form's review comments (its findings, drafted), by part;
- partials/charts.svg.j2: inline SVG bar charts (no script, no network);
- partials/tables.html.j2: a table of rows, figures right-aligned;
- opinion.html.j2 and opinion.md.j2 (reviewer.drafting.opinion), dashboard.html.j2
  (reviewer.batch.dashboard), eval_report.html.j2 (reviewer.evaluation.report).

Templates get view data (strings and numbers ready to show) and only lay it out. A template
whose name has .html or .svg in it is autoescaped: form text is never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from jinja2 import meta
from markupsafe import Markup

TEMPLATES_DIR = Path(str(resources.files(__name__)))


def _autoescape(name: str | None) -> bool:
    return name is not None and (".html" in name or ".svg" in name)


def jinja_environment(folder: Path, autoescape: bool | Callable[[str | None], bool]) -> jinja2.Environment:
    """reviewer's way of reading jinja2 templates (a missing variable is an error; block tags
    leave no blank lines), for this folder and for prompts/ alike."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja_environment(TEMPLATES_DIR, _autoescape)
    env.filters["md_cell"] = md_cell
    env.globals["base_css"] = base_css()
    return env


def base_css() -> Markup:
    """base.css as every page carries it (its last line break dropped, as an include would).
    A global, not an include: an include builds a new context for every page rendered."""
    return Markup((TEMPLATES_DIR / "base.css").read_text(encoding="utf-8").removesuffix("\n"))


def md_cell(text: str | None) -> str:
    """A Markdown table cell: "—" when empty, no "|" or line break to break the row. A filter,
    not a macro: it runs for every cell of every opinion, and a jinja2 macro call costs more
    than the rest of the row."""
    return (text or "—").replace("|", "｜").replace("\n", " ")


@lru_cache(maxsize=64)
def _template(name: str) -> jinja2.Template:
    """A compiled template, looked up once (get_template stats the file on every call)."""
    return environment().get_template(name)


def render(name: str, **context: object) -> str:
    return _template(name).render(**context)


def sources(name: str) -> list[str]:
    """`name` and every template it extends, includes or imports, sorted: what its output
    depends on (base.css too, which every page built on base.html.j2 carries)."""
    env = environment()
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source = env.loader.get_source(env, current)[0]  # type: ignore[union-attr]
        todo += [t for t in meta.find_referenced_templates(env.parse(source)) if t is not None]
    if "base.html.j2" in seen:
        seen.add("base.css")
    return sorted(seen)
