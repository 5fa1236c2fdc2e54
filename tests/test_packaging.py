"""The hand-written package list in pyproject.toml covers every package in reviewer/."""

from __future__ import annotations

import sys

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_every_package_is_listed_for_installation():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "reviewer").rglob("__init__.py")
    }
    assert on_disk <= listed
    assert "reviewer.prompts" in listed


def test_prompt_templates_are_found_through_the_installed_package():
    from importlib import resources

    names = {p.name for p in resources.files("reviewer.prompts").iterdir()}
    assert {"review_system.j2", "review_user.j2", "comment.j2"} <= names
