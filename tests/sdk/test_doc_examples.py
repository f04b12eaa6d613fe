"""docs/sdk-example.md shows the example apps' real files: each block named after a file is
that file's content (scripts/doc_examples.py copies them), and every Python file of the guide's
app is shown."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "sdk-example.md"


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("doc_examples", ROOT / "scripts/doc_examples.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guide_s_code_blocks_are_the_example_files() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert tool().render(doc) == doc, "run scripts/doc_examples.py"


def test_the_guide_shows_every_python_file_of_the_examples() -> None:
    shown = set(tool().included(DOC.read_text(encoding="utf-8")))
    python = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "examples").rglob("*.py")
        if path.name not in {"__init__.py", "manage.py", "tests.py"}
    }
    assert python <= shown
    assert "examples/flask_app/templates/setup.html" in shown


def test_a_changed_file_makes_its_block_stale(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('new')\n", encoding="utf-8")
    doc = "Intro\n<!-- file: a.py -->\n```python\nprint('old')\n```\nmore\n"
    assert tool().render(doc, tmp_path) == (
        "Intro\n<!-- file: a.py -->\n```python\nprint('new')\n```\nmore\n"
    )
