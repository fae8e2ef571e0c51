"""The layout's promises, read from the source: no import cycles (counting imports inside
functions and the dotted names handed to ``import_module``), the library never reaches for the
sandbox, and each stage of the spine depends only on the stages before it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import REPO

PACKAGE = REPO / "bmnsocial"
DOTTED = re.compile(r"^bmnsocial(?:\.\w+)+(?=:\w+$|$)")

# The spine, in order: a package may import its own modules and those of earlier stages.
# Top-level modules (config, errors, i18n, yamlsafe, …) are the foundations every stage uses.
STAGES = ("posts", "platforms", "render", "publish", "schedule", "reports")
EDGE = ("cli", "sandbox")
# The platform registry is what every stage and the config reader ask about platforms (names,
# display names, account schemas): reached like a foundation. What it loads must then never
# come back to the config or the post model (test_platform_modules_stay_below_the_config).
REGISTRY = ("bmnsocial.platforms", "bmnsocial.platforms.registry")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(name: str) -> str | None:
    """The module that importing ``name`` (a module or a module's attribute) runs."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def with_parents(name: str) -> Iterator[str]:
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        yield ".".join(parts[:i])


def type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the nodes under ``if TYPE_CHECKING:``: read by mypy, never run."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def imports_of(module: str) -> set[str]:
    """Every bmnsocial module ``module`` may import when it runs: at module level, inside
    functions, and through the dotted names it hands to import_module (registries)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped = type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = DOTTED.match(node.value)
            if match:
                targets = [match.group(0)]
        for target in targets:
            resolved = resolve(target) if target.startswith("bmnsocial") else None
            if resolved:
                found.update(m for m in with_parents(resolved) if m in MODULES)
    found.discard(module)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(GRAPH[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def stage_of(module: str) -> str | None:
    if module in REGISTRY:
        return None
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES + EDGE) else None


def test_the_checker_sees_imports_inside_functions_and_import_module() -> None:
    registry = GRAPH["bmnsocial.platforms.registry"]
    assert "bmnsocial.platforms.facebook" in registry  # REGISTRY strings
    assert "bmnsocial.cli.validate" in GRAPH["bmnsocial.cli.root"]  # COMMANDS strings
    assert "bmnsocial.sandbox.connections" in GRAPH["bmnsocial.cli.common"]  # in a method


def test_no_import_cycles() -> None:
    assert cycles() == []


def test_only_the_edge_reaches_the_sandbox() -> None:
    offenders = sorted(f"{m} -> {t}" for m, targets in GRAPH.items() for t in targets
                       if t.startswith("bmnsocial.sandbox") and stage_of(m) not in EDGE)
    assert offenders == []


def test_each_stage_imports_only_earlier_stages() -> None:
    offenders = []
    for module, targets in GRAPH.items():
        stage = stage_of(module)
        if stage not in STAGES:
            continue
        for target in targets:
            other = stage_of(target)
            if other in EDGE or (other in STAGES and STAGES.index(other) > STAGES.index(stage)):
                offenders.append(f"{module} -> {target}")
        if stage is None:
            continue
    assert sorted(offenders) == []


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_platform_modules_stay_below_the_config() -> None:
    from bmnsocial.platforms.registry import MODULES

    for module in MODULES.values():
        assert not {"bmnsocial.config", "bmnsocial.posts.model"} & reachable(module), module


def test_foundations_import_no_stage() -> None:
    offenders = sorted(f"{m} -> {t}" for m, targets in GRAPH.items() for t in targets
                       if stage_of(m) is None and m.count(".") == 1 and m != "bmnsocial.__main__"
                       and stage_of(t) is not None)
    assert offenders == []


# --- Nothing outside platforms/ (and the sandbox's fakes) names a platform ----------------------
# What only some platforms do is an optional capability their module declares on
# ``platforms.base.Platform`` (pricing, native, api_version, conversations, metrics…), found
# through the registry; the core never asks for a platform by name.

PLATFORM_NAMES = frozenset({"facebook", "twitter", "telegram", "x"})
# The sandbox's own commands say which fake answers for which platform's hosts.
NAMING_ALLOWED = ("bmnsocial.platforms", "bmnsocial.sandbox", "bmnsocial.cli.sandbox")
# Literals equal to a platform's name that are something else.
NOT_A_PLATFORM = {
    ("bmnsocial.posts.twitter_text", "x"): "the letter a TLD may start with",
}


def platform_modules() -> set[str]:
    """The modules of one platform: those the registry lists, their own helpers (``x_costs``,
    ``facebook_mockup``…), and the connect flows."""
    from bmnsocial.platforms.registry import MODULES as REGISTERED

    found = {m for m in REGISTERED.values() if m.startswith("bmnsocial.")}
    found.add("bmnsocial.platforms.connect")
    for module in MODULES:
        package, _dot, stem = module.rpartition(".")
        if package == "bmnsocial.platforms" and stem.split("_")[0] in PLATFORM_NAMES:
            found.add(module)
    return found


def docstrings(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            found.add(id(node.body[0].value))
    return found


def names_a_platform(module: str) -> list[str]:
    """Where ``module`` names a platform: a string that is a platform's name, an attribute
    called after one (``config.facebook``), an import of a platform's module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skipped = docstrings(tree)
    specific = platform_modules()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skipped and node.value.casefold() in PLATFORM_NAMES \
                and (module, node.value.casefold()) not in NOT_A_PLATFORM:
            found.append(f"{module}:{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr in PLATFORM_NAMES:
            found.append(f"{module}:{node.lineno}: .{node.attr}")
    found += [f"{module}: imports {target}" for target in sorted(GRAPH[module] & specific)]
    return found


def test_the_platform_name_finder_sees_names_attributes_and_imports() -> None:
    assert any("'twitter'" in f for f in names_a_platform("bmnsocial.platforms.twitter"))
    assert any("imports bmnsocial.platforms.x_costs" in f
               for f in names_a_platform("bmnsocial.platforms.twitter"))
    assert {"bmnsocial.platforms.facebook", "bmnsocial.platforms.x_costs",
            "bmnsocial.platforms.x_media"} <= platform_modules()
    assert "bmnsocial.platforms.base" not in platform_modules()


def test_nothing_outside_the_platforms_names_a_platform() -> None:
    offenders = [found for module in sorted(MODULES)
                 if not module.startswith(NAMING_ALLOWED)
                 for found in names_a_platform(module)]
    assert offenders == []
