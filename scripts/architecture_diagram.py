"""Print the server's layers as a Mermaid diagram, drawn from the code's own imports.

Each box is a layer of the import-linter ``layers`` contract in pyproject.toml (modules that
share a layer are one box); an arrow means "imports from", with the number of importing
modules. docs/architecture.md holds the output between its ``<!-- layers -->`` markers, and
``tests/server/test_architecture.py`` checks that it is current. Run::

    .venv/bin/python scripts/architecture_diagram.py
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            return [
                [m.strip() for m in layer.replace(":", "|").split("|")]
                for layer in contract["layers"]
            ]
    raise SystemExit("no layers contract in pyproject.toml")


def _box(modules: list[str]) -> str:
    names = [m.removeprefix("twostep.server.") for m in modules]
    return names[0] if len(names) == 1 else " · ".join(names)


def diagram() -> str:
    graph = grimp.build_graph("twostep")
    stack = layers()
    owner: dict[str, int] = {}
    for index, modules in enumerate(stack):
        for module in modules:
            for name in {module} | graph.find_descendants(module):
                owner[name] = index
    edges: dict[tuple[int, int], set[str]] = {}
    for importer, layer in owner.items():
        for imported in graph.find_modules_directly_imported_by(importer):
            target = owner.get(imported)
            if target is not None and target != layer:
                edges.setdefault((layer, target), set()).add(importer)
    lines = ["```mermaid", "flowchart TD"]
    for index, modules in enumerate(stack):
        lines.append(f'    L{index}["{_box(modules)}"]')
    for (source, target), importers in sorted(edges.items()):
        lines.append(f"    L{source} -->|{len(importers)}| L{target}")
    lines.append("```")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.stdout.write(diagram())
