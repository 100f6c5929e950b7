"""The package layout: one subpackage per stage, imports that flow one way, no circle, no module
named like a standard-library module (which would hide it, e.g. ``import cProfile`` loading
``helpers/profile.py``)."""

from __future__ import annotations

import ast
import functools
import re
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PKG = SRC / "helpers"

# Each room of the house and the floor it stands on: a module may import from a lower floor or
# from its own room, never from a higher floor or from another room on the same floor.
FLOORS = {
    "files": 0, "config": 0, "money": 0, "progress": 0,
    "plots": 1, "data": 1, "cache": 1,
    "synth": 2, "analysis": 2,
    "value": 3,
    "models": 4,
    "results": 5,
    "cli": 6,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package that ``name`` imports, at any depth of its code."""
    out: set[str] = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_pkg else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join(here + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t != "helpers":
                out.add(t)
    return out


@functools.cache
def import_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    graph = {name: imports_of(name, path, known) for name, path in mods.items()}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules, or None (depth-first search, three colours)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        colour[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if colour.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if colour.get(m) is None:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        colour[n] = 2
        return None

    for n in sorted(graph):
        if colour.get(n) is None:
            found = visit(n)
            if found:
                return found
    return None


def room(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "helpers"


def test_find_cycle_finds_a_planted_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_imports_of_resolves_relative_and_function_level_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from helpers.value import clv\nfrom . import rfm\n")
    known = {"helpers.value", "helpers.value.clv", "helpers.value.rfm", "helpers.value.m"}
    assert imports_of("helpers.value.m", f, known) == {"helpers.value", "helpers.value.clv",
                                                         "helpers.value.rfm"}


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_every_room_has_a_floor():
    rooms = {room(n) for n in modules() if n != "helpers"}
    assert rooms <= set(FLOORS), f"rooms without a floor in FLOORS: {rooms - set(FLOORS)}"


@pytest.mark.parametrize("name", sorted(import_graph()))
def test_imports_flow_downwards(name):
    if name == "helpers":
        return
    here = room(name)
    bad = [m for m in sorted(import_graph()[name])
           if room(m) != here and FLOORS[room(m)] >= FLOORS[here]]
    assert bad == [], (f"{name} (floor {FLOORS[here]}) imports {bad}: the data flows "
                       "data <- analysis <- value <- models <- results; move the shared piece down")


def test_no_module_shadows_the_standard_library():
    clash = sorted(n for n in modules() if n.rpartition(".")[2] in sys.stdlib_module_names)
    assert clash == [], f"modules named like standard-library ones: {clash}"


def test_rules_import_nothing_of_the_package():
    assert import_graph()["helpers.data.rules"] == set()


@pytest.mark.parametrize("doc", ["README.md", "CONTRIBUTING.md"])
def test_every_module_is_listed_in_the_layout(doc):
    """README's Layout and CONTRIBUTING's package layout name every module (one line each)."""
    text = (SRC.parent / doc).read_text()
    missing = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if path.name == "__init__.py" or rel.parts[0] in ("plots",) or "adapters" in rel.parts:
            continue  # rooms listed as a whole: plots/ and data/adapters/ name their modules inline
        if not re.search(rf"^\s+{re.escape(path.name)}\s+\S", text, re.M):
            missing.append(str(rel))
    adapters = [p.stem for p in (PKG / "data" / "adapters").glob("*.py") if p.stem != "__init__"]
    plots = [p.stem for p in (PKG / "plots").glob("*.py") if p.stem != "__init__"]
    missing += [f"adapters/{a}" for a in adapters if a not in text]
    missing += [f"plots/{p}" for p in plots if p not in text]
    assert missing == [], f"{doc}: modules missing from the layout list: {missing}"
