"""Fuzzing the readers with mutated fixture files: only the documented errors come out.

Each example takes a valid fixture of some format and damages it (flipped bits, a cut, bytes
spliced in, or, for JSON, a value anywhere in the document replaced by another). Reading the
result, auto-detected or with the format forced, must either succeed or raise a
:class:`FormatError`; anything else (KeyError, TypeError, RecursionError...) is a bug. Examples
are bounded so the whole module runs in a few seconds; KDF costs in the fixtures are minimal.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twostep.authenticator import formats
from twostep.authenticator.formats.errors import FormatError


def _load_builders() -> ModuleType:
    name = "twostep_tests_formats_builders"
    if name not in sys.modules:
        path = Path(__file__).with_name("formats_data") / "builders.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


B = _load_builders()


def _load_more_a() -> ModuleType:
    name = "twostep_tests_formats_builders_more_a"
    if name not in sys.modules:
        path = Path(__file__).with_name("formats_data") / "builders_more_a.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


M = _load_more_a()
FUZZ = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_N", "120")),
    deadline=None,
    derandomize=__import__("os").environ.get("FUZZ_N") is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FIXTURES = [
    (name, kind, data)
    for name, files in {**B.all_fixtures(), **M.all_fixtures(B.SAMPLES[:3])}.items()
    for kind, data in files
]
JSON_FIXTURES = [(n, k, d) for n, k, d in FIXTURES if d[:1] in (b"{", b"[")]


def read_any(data: bytes, format_name: str | None) -> None:
    """Read ``data``; succeed or raise FormatError (with a message). Problems must name a field."""
    message = None
    try:
        _, result = formats.read_files([data], B.PASSWORD, format_name=format_name)
    except FormatError as exc:
        message = str(exc)
        result = None
    if result is None:
        assert message
        return
    for problem in result.problems:
        assert problem.field
        assert problem.number >= 1


def _protected_prefix(name: str, kind: str) -> int:
    # andOTP's first four bytes are its PBKDF2 iteration count: a flipped high bit would ask for
    # millions of iterations (allowed up to 10 M, as in Aegis) and only make the test slow.
    return 4 if (name, kind) == ("andotp", "encrypted") else 0


@FUZZ
@given(
    case=st.sampled_from(FIXTURES),
    flips=st.lists(st.integers(min_value=0, max_value=2**31), min_size=1, max_size=4),
    forced=st.booleans(),
)
def test_bit_flips(case, flips, forced):
    name, kind, data = case
    start = _protected_prefix(name, kind)
    mutated = bytearray(data)
    for flip in flips:
        position = start + (flip // 8) % (len(data) - start)
        mutated[position] ^= 1 << (flip % 8)
    read_any(bytes(mutated), name if forced else None)


@FUZZ
@given(
    case=st.sampled_from(FIXTURES),
    cut=st.integers(min_value=0),
    splice=st.binary(max_size=16),
    forced=st.booleans(),
)
def test_truncation_and_splicing(case, cut, splice, forced):
    name, kind, data = case
    start = _protected_prefix(name, kind)
    position = start + cut % (len(data) - start + 1)
    read_any(
        data[:position] + splice + data[position + len(splice) // 2 :], name if forced else None
    )


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-5, max_value=5000)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    paths = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            paths += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths += _paths(value, (*prefix, index))
    return paths


def _replace(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in node.items()}
    return [(_replace(v, rest, value) if i == head else v) for i, v in enumerate(node)]


def _delete(node: Any, path: tuple) -> Any:
    head, rest = path[0], path[1:]
    if not rest:
        if isinstance(node, dict):
            return {k: v for k, v in node.items() if k != head}
        return [v for i, v in enumerate(node) if i != head]
    if isinstance(node, dict):
        return {k: (_delete(v, rest) if k == head else v) for k, v in node.items()}
    return [(_delete(v, rest) if i == head else v) for i, v in enumerate(node)]


@FUZZ
@given(
    case=st.sampled_from(JSON_FIXTURES),
    choice=st.integers(min_value=0),
    value=_VALUES,
    delete=st.booleans(),
    forced=st.booleans(),
)
def test_json_edits(case, choice, value, delete, forced):
    name, _, data = case
    doc = json.loads(data)
    paths = _paths(doc)
    path = paths[choice % len(paths)]
    edited = _delete(doc, path) if delete and path else _replace(doc, path, value)
    text = json.dumps(edited, allow_nan=True).encode()
    read_any(text, name if forced else None)


def test_deeply_nested_json_is_a_documented_error():
    read_any(b"[" * 100_000 + b"]" * 100_000, None)
    read_any(b'{"services": ' + b"[" * 100_000 + b"]" * 100_000 + b', "schemaVersion": 4}', None)
