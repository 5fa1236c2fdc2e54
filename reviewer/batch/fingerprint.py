"""What a form's result depends on, as one hash: the run's configuration fingerprint.

A result is keyed by (file content hash, form index, config hash), so a result is reused
only by a run whose code, templates, policy and model settings are those it was made with.
The code is the package's files that shape a result (not the batch's own output code nor
the evaluation); the templates are the prompts and the opinion layouts (the templates an
opinion is rendered from, not the dashboard's or the evaluation report's).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import reviewer
from reviewer import templates
from reviewer.drafting.prompts import combined_hash, prompt_version, template_hashes
from reviewer.redaction import public_url

PACKAGE_DIR = Path(reviewer.__file__).resolve().parent
RESULT_SHAPING_EXCLUDE = ("batch/", "evaluation/", "templates/")
RESULT_SHAPING_INCLUDE = ("batch/work.py", "templates/__init__.py")
OPINION_TEMPLATES = ("opinion.md.j2", "opinion.html.j2")


def source_hash(root: Path = PACKAGE_DIR, under: str = "") -> str:
    """A hash of the package files that shape a form's result (not the batch's output code)."""
    digest = hashlib.sha256()
    base = root / under if under else root
    if not base.exists():
        return ""
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in rel or path.suffix in (".pyc", ".sqlite"):
            continue
        if rel.startswith(RESULT_SHAPING_EXCLUDE) and rel not in RESULT_SHAPING_INCLUDE:
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def templates_hash() -> str:
    """A hash of every template a result is made with: the prompts shape the model's replies
    and the drafts, the opinion layouts the files."""
    used = sorted({name for opinion in OPINION_TEMPLATES for name in templates.sources(opinion)})
    hashes = {f"prompts/{name}": h for name, h in template_hashes().items()}
    hashes |= {f"templates/{name}": h for name, h in template_hashes(templates.TEMPLATES_DIR, used).items()}
    return combined_hash(hashes)


def llm_fingerprint(settings: Any) -> dict[str, Any] | None:
    """The model settings that shape a reply, without the key or a URL's credentials."""
    if settings is None:
        return None
    return {
        "model": settings.model,
        "base_url": public_url(settings.base_url),
        "response_format": settings.response_format,
        "temperature": settings.temperature,
        "max_reasks": settings.max_reasks,
    }


def prompt_versions() -> dict[str, str]:
    """The prompt version the drafting module sends with each model call (constant + template hash)."""
    return {"review": prompt_version()}


def run_config(policy_hash: str, settings: Any) -> dict[str, Any]:
    """Everything a result depends on; `settings` is None for a run without a model."""
    return {
        "reviewer": getattr(reviewer, "__version__", "0"),
        "code": source_hash(),
        "templates": templates_hash(),
        "policy": policy_hash,
        "llm": llm_fingerprint(settings),
    }


def config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def result_key(content_hash: str, index: int, config: str) -> str:
    """The key of one form's result: its file's content, its place in the file, the config hash."""
    return f"{content_hash[:40]}:{index}:{config[:16]}"


def content_hash(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()
