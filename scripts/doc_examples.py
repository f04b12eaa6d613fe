#!/usr/bin/env python3
"""Copy the example applications' files into the docs that show them.

A doc names a file with a comment line, and the fenced block right after it is that file's
content::

    <!-- file: examples/flask_app/app.py -->
    ```python
    ...
    ```

``python scripts/doc_examples.py`` rewrites those blocks from the files; ``--check`` only says
which are out of date (exit status 1). tests/sdk/test_doc_examples.py runs the check, so a
doc always shows the code that CI runs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("docs/sdk-example.md",)
BLOCK = re.compile(
    r"(?P<head><!-- file: (?P<path>[^ ]+) -->\n(?P<fence>```+)(?P<lang>[\w-]*)\n)"
    r"(?P<body>.*?)(?P=fence)\n",
    re.DOTALL,
)


def included(doc: str) -> list[str]:
    """The files a doc's text shows, in order."""
    return [match["path"] for match in BLOCK.finditer(doc)]


def render(doc: str, root: Path = ROOT) -> str:
    """The doc's text with each named block replaced by the file's current content."""

    def fill(match: re.Match[str]) -> str:
        content = (root / match["path"]).read_text(encoding="utf-8")
        if not content.endswith("\n"):
            content += "\n"
        return f"{match['head']}{content}{match['fence']}\n"

    return BLOCK.sub(fill, doc)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in DOCS:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            stale.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    if stale and check:
        print("out of date (run scripts/doc_examples.py):", *stale)
        return 1
    for name in stale:
        print("updated", name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
