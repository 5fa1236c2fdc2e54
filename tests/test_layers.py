"""The layers of reviewer: imports go downward only, none hides inside a function, no circle.

Bottom to top (README "Layout"; each package's docstring says the same):

    domain → extract → checks → support → drafting → evaluation | batch | web → cli

A module may import its own layer and the layers below it; evaluation, batch and web are
siblings and do not import each other. The support layer is the shared services that need
nothing of checks or drafting: the language-model client and its SQLite store, settings,
redaction, SQLite migrations, the page templates. The CLI layer is reviewer/cli.py,
reviewer/commands.py and every command module (reviewer/*_cli.py, reviewer/batch/cli.py).

Read from the source with the standard library's ast; nothing is imported or run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "reviewer"

# (layer, rank): a module may import a module of a lower rank, or of its own layer.
LAYERS = {
    "package": 0,  # reviewer/__init__.py: the version
    "domain": 1,
    "extract": 2,
    "checks": 3,
    "support": 4,
    "drafting": 5,
    "evaluation": 6,
    "batch": 6,
    "web": 6,
    "cli": 7,
}
SUPPORT = {"reviewer.llm", "reviewer.store", "reviewer.config", "reviewer.redaction", "reviewer.migrations", "reviewer.templates"}
CLI_MODULES = {"reviewer.cli", "reviewer.commands", "reviewer.__main__"}

# Imported inside a function on purpose: optional heavy third-party packages (an extra, or
# slow to import and needed by one format only), and the platform's own locking module.
LAZY_ALLOWED = {
    "docx",  # python-docx, extra `docx`
    "pdfplumber",  # extra `pdf`
    "xlrd",  # extra `xls`
    "numpy",  # extra `eval`
    "openpyxl",  # .xlsx only, slow to import
    "opencc",  # traditional script only, slow to import
    "openai",  # the SDK: only a call to a model needs it (reviewer.llm._sdk)
    "starlette",  # extra `web`: the workbench's app (reviewer.web.asgi)
    "uvicorn",  # extra `web`: its server (`reviewer serve`)
    "fcntl",  # POSIX locking
    "msvcrt",  # Windows locking
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# module → (source, is a package): the tree under test
SOURCES = {module_name(p): (p.read_text(encoding="utf-8"), p.name == "__init__.py") for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    if module in CLI_MODULES or module.endswith("_cli") or module == "reviewer.batch.cli":
        return "cli"
    if module in SUPPORT:
        return "support"
    if module == "reviewer":
        return "package"
    return module.split(".")[1]


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str, sources: dict[str, tuple[str, bool]]) -> Iterator[tuple[str, bool, int]]:
    """(imported module, inside a function, line) of every import statement in a module;
    `from package import submodule` names the submodule."""
    text, is_package = sources[module]
    tree = ast.parse(text)
    inner: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner |= {id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in inner, node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, is_package, node)
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                yield (sub if sub in sources else source), id(node) in inner, node.lineno


def crossings(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Imports of a module in a layer above (or a sibling), as "module:line: …"."""
    wrong = []
    for module in sources:
        own = layer(module)
        for target, _, line in imports(module, sources):
            theirs = layer(target) if target in sources else None
            if theirs is not None and theirs != own and LAYERS[theirs] >= LAYERS[own]:
                wrong.append(f"{module}:{line}: {own} imports {target} ({theirs})")
    return wrong


def inner_imports(sources: dict[str, tuple[str, bool]]) -> dict[tuple[str, str], int]:
    """(module, what it imports) → line, for every import inside a function but the allowed."""
    return {
        (module, target): line
        for module in sources for target, inner, line in imports(module, sources)
        if inner and target.split(".")[0] not in LAZY_ALLOWED
    }


def cycles(sources: dict[str, tuple[str, bool]]) -> set[tuple[str, ...]]:
    """The import circles: each strongly connected part of more than one module."""
    edges = {m: {t for t, _, _ in imports(m, sources) if t in sources and t != m} for m in sources}
    return {tuple(part) for part in strongly_connected(edges) if len(part) > 1}


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    parts: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            parts.append(sorted(part))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return parts


def test_every_module_has_a_layer():
    assert sorted(m for m in SOURCES if layer(m) not in LAYERS) == [], "give these modules a layer (LAYERS, SUPPORT)"


def test_imports_go_down_the_layers():
    assert crossings(SOURCES) == []


def test_no_module_imports_inside_a_function():
    found = inner_imports(SOURCES)
    assert sorted(f"{m}:{line}: {t}" for (m, t), line in found.items()) == []


def test_the_import_graph_has_no_circle():
    assert sorted(cycles(SOURCES)) == []


def test_the_rules_catch_a_crossing_a_hidden_import_and_a_circle():
    """Negative control: a made-up tree with one of each fault is reported for each."""
    fake = {
        "reviewer": ("", True),
        "reviewer.checks": ("from reviewer.checks import engine\n", True),
        "reviewer.checks.engine": ("def run():\n    from reviewer.cli import main\n    import docx\n", False),
        "reviewer.cli": ("from reviewer.checks import engine\nfrom reviewer import checks\n", False),
        "reviewer.domain": ("from . import model\n", True),
        "reviewer.domain.model": ("", False),
    }
    assert crossings(fake) == ["reviewer.checks.engine:2: checks imports reviewer.cli (cli)"]
    assert inner_imports(fake) == {("reviewer.checks.engine", "reviewer.cli"): 2}  # docx may wait
    assert cycles(fake) == {("reviewer.checks", "reviewer.checks.engine", "reviewer.cli")}
    assert [t for t, _, _ in imports("reviewer.domain", fake)] == ["reviewer.domain.model"]
    assert layer("reviewer.check_cli") == layer("reviewer.batch.cli") == "cli" and layer("reviewer.llm") == "support"


def test_a_command_without_a_model_never_imports_the_sdk(tmp_path):
    """Every command module is imported at the start (reviewer/cli.py); the openai SDK waits
    until a model is called, so `reviewer review` with templates does not pay its import."""
    import subprocess
    import sys

    from conftest import EXAMPLES

    code = (
        "import sys\nfrom reviewer.cli import main\n"
        f"code = main(['review', {str(EXAMPLES / '000_227770587c716576.txt')!r}, '--format', 'json'])\n"
        "print(code, 'openai' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "REVIEWER_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          cwd=PACKAGE.parent)
    assert done.stdout.splitlines()[-1] == "0 False", done.stderr
