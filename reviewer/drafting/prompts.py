"""Jinja2 templates in prompts/: the review prompt, the template comments, the opinions.

PROMPT_VERSION names the prompt's design; `prompt_version()` adds a hash of the review
templates' source, so an edit to review_system.j2 or review_user.j2 changes the version
the language-model module logs and caches under, even when the constant was not bumped.
`template_hashes()` is the one way templates are hashed: the prompt version, the batch's
fingerprint and the evaluation's run log all read it (from the installed package, so an
installed copy hashes what it runs).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2

from reviewer.checks import FormReport
from reviewer.drafting.render import EMPTY, HIDDEN, render_findings, render_form
from reviewer.domain.model import Form
from reviewer.templates import jinja_environment

PROMPT_VERSION = "review-3"  # 2: hidden and empty cells marked, blind mode said, quotable spans said;
# 3: remarks on rows where the checks find nothing are notes (info), without cuts
PROMPTS_DIR = Path(str(resources.files("reviewer.prompts")))  # the top-level prompts/ folder
REVIEW_TEMPLATES = ("review_system.j2", "review_user.j2")


@lru_cache(maxsize=2)
def environment(autoescape: bool = False) -> jinja2.Environment:
    return jinja_environment(PROMPTS_DIR, autoescape)


@lru_cache(maxsize=64)
def _template(template: str, autoescape: bool) -> jinja2.Template:
    """A compiled template, looked up once (get_template stats the file on every call)."""
    return environment(autoescape).get_template(template)


def render_template(template: str, *, autoescape: bool = False, **context) -> str:
    return _template(template, autoescape).render(**context)


@lru_cache(maxsize=1)
def system_message() -> str:
    """review_system.j2 takes only the marks of cells without content: rendered once."""
    return render_template("review_system.j2", hidden=HIDDEN, empty=EMPTY).strip()


def template_hashes(folder: Path | None = None, names: Iterable[str] | None = None) -> dict[str, str]:
    """sha256 of each template (*.j2) in `folder` (default the installed prompts), or of the
    files `names` in it, by path relative to the folder."""
    folder = PROMPTS_DIR if folder is None else folder
    paths = sorted(folder.rglob("*.j2")) if names is None else [folder / name for name in names]
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def combined_hash(hashes: dict[str, str]) -> str:
    """One sha256 over per-file hashes (each name and hash, in name order)."""
    digest = hashlib.sha256()
    for name in sorted(hashes):
        digest.update(f"{name}\0{hashes[name]}\n".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def templates_hash() -> str:
    """The hash of the review prompt's templates (REVIEW_TEMPLATES)."""
    return combined_hash(template_hashes(names=REVIEW_TEMPLATES))


def prompt_version() -> str:
    """The version passed to the language-model module: constant + template hash."""
    return f"{PROMPT_VERSION}+{templates_hash()[:12]}"


def review_messages(
    form: Form, report: FormReport, *, form_text: str | None = None, findings_text: str | None = None
) -> list[dict[str, str]]:
    """The chat messages for one form: the rules in the system message, the data in the user message.

    form_text and findings_text: render_form(form, hidden=report.blind) and
    render_findings(report, form), when the caller has them already. A blind report's
    message says that the human judgements are hidden on purpose."""
    system = system_message()
    if form_text is None:
        form_text = render_form(form, hidden=report.blind)
    if findings_text is None:
        findings_text = render_findings(report, form)
    user = render_template("review_user.j2", form_text=form_text, findings_text=findings_text, blind=report.blind,
                           hidden=HIDDEN, empty=EMPTY).strip()
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def messages_hash(messages: list[dict[str, str]]) -> str:
    """sha256 of the rendered prompt, for the output when no call was made."""
    blob = "\n\x1e".join(f"{m['role']}\x1f{m['content']}" for m in messages)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: one token per CJK character or full-width mark, one per
    four other characters. DeepSeek/Qwen tokenizers need fewer for common Chinese, GPT's
    cl100k about as many, so this errs high."""
    cjk = len(_CJK.findall(text))
    return cjk + -(-(len(text) - cjk) // 4)
