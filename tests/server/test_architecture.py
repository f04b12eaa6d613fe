"""docs/architecture.md's picture of the layers is the code's: drawn from the imports, and a
change of the imports without a new picture fails here (``scripts/architecture_diagram.py``)."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_picture_in_the_architecture_doc_is_drawn_from_the_current_imports() -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "architecture_diagram.py"))
    drawn = script["diagram"]()
    doc = (ROOT / "docs" / "architecture.md").read_text()
    shown = doc.split("<!-- layers -->\n", 1)[1].split("<!-- /layers -->", 1)[0]
    assert shown.strip() == drawn.strip(), "run scripts/architecture_diagram.py and update the doc"
    assert "L5 -->" in drawn  # the use cases import the layers below them


def test_the_picture_shows_no_arrow_pointing_up() -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "architecture_diagram.py"))
    for line in script["diagram"]().splitlines():
        if "-->" in line:
            source, target = (
                int(part.strip().split("|")[-1].lstrip(" L")) for part in line.split("-->")
            )
            assert source < target, line
