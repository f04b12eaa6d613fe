"""A small, strict reader for one Java-serialised ``java.util.HashMap<String, String>``.

FreeOTP 2.x writes its backup (``externalBackup.xml``, despite the name) with Java's
``ObjectOutputStream``: the stream protocol's magic and version, one ``HashMap`` object (its class
descriptor, the ``loadFactor``/``threshold`` fields, then a block with capacity and size), and
the keys and values as string objects. Only that shape is accepted; anything else (another
class, a nested object, a length beyond the data) is a :class:`DamagedFileError`. Nothing is
ever instantiated: this reads values, it does not deserialise objects.
"""

from __future__ import annotations

import struct
from typing import Final

from .errors import DamagedFileError

__all__ = ["STREAM_MAGIC", "is_java_stream", "read_string_map"]

STREAM_MAGIC: Final = b"\xac\xed\x00\x05"
_HASHMAP: Final = b"java.util.HashMap"
_TC_NULL: Final = 0x70
_TC_REFERENCE: Final = 0x71
_TC_CLASSDESC: Final = 0x72
_TC_OBJECT: Final = 0x73
_TC_STRING: Final = 0x74
_TC_BLOCKDATA: Final = 0x77
_TC_ENDBLOCKDATA: Final = 0x78
_TC_BLOCKDATALONG: Final = 0x7A
_TC_LONGSTRING: Final = 0x7C
_BASE_HANDLE: Final = 0x7E0000
_PRIMITIVE_SIZES: Final = {"B": 1, "C": 2, "D": 8, "F": 4, "I": 4, "J": 8, "S": 2, "Z": 1}
_MAX_FIELDS: Final = 64


class _Damaged(Exception):
    pass


class _Stream:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.handles: list[str | None] = []  # strings by handle; None for other objects

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise _Damaged
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def i32(self) -> int:
        return int(struct.unpack(">i", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack(">Q", self.take(8))[0])

    def utf(self, size: int) -> str:
        return _modified_utf8(self.take(size))

    def new_handle(self, value: str | None) -> None:
        self.handles.append(value)

    def string(self) -> str:
        """A string object (new or a back-reference to one already read)."""
        tag = self.byte()
        if tag == _TC_STRING:
            text = self.utf(self.u16())
        elif tag == _TC_LONGSTRING:
            text = self.utf(self.u64())
        elif tag == _TC_REFERENCE:
            index = self.i32() - _BASE_HANDLE
            if not 0 <= index < len(self.handles):
                raise _Damaged
            found = self.handles[index]
            if found is None:
                raise _Damaged
            return found
        else:
            raise _Damaged
        self.new_handle(text)
        return text


def _modified_utf8(raw: bytes) -> str:
    """Java's modified UTF-8: NUL as C0 80, characters above U+FFFF as two surrogates."""
    try:
        text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeError:
        raise _Damaged from None


def _hashmap_descriptor(stream: _Stream) -> None:
    if stream.byte() != _TC_CLASSDESC or stream.take(stream.u16()) != _HASHMAP:
        raise _Damaged
    stream.take(8)  # serialVersionUID: any version with the same fields is read
    stream.new_handle(None)
    stream.byte()  # flags (SC_SERIALIZABLE | SC_WRITE_METHOD)
    count = stream.u16()
    if count > _MAX_FIELDS:
        raise _Damaged
    skip = 0
    for _ in range(count):
        code = chr(stream.byte())
        stream.take(stream.u16())  # field name
        if code not in _PRIMITIVE_SIZES:
            raise _Damaged  # HashMap has only primitive fields
        skip += _PRIMITIVE_SIZES[code]
    if stream.byte() != _TC_ENDBLOCKDATA or stream.byte() != _TC_NULL:
        raise _Damaged  # no class annotation, no serialisable superclass
    stream.new_handle(None)  # the HashMap object itself
    stream.take(skip)  # loadFactor, threshold


def is_java_stream(data: bytes) -> bool:
    """The serialisation magic followed by a ``java.util.HashMap`` object."""
    return (
        data.startswith(STREAM_MAGIC + bytes([_TC_OBJECT, _TC_CLASSDESC]))
        and data[8 : 8 + len(_HASHMAP)] == _HASHMAP
        and data[6:8] == len(_HASHMAP).to_bytes(2, "big")
    )


def read_string_map(data: bytes, what: str) -> list[tuple[str, str]]:
    """The (key, value) pairs of the map, in stream order; :class:`DamagedFileError` naming
    ``what`` for anything that is not exactly a serialised map of strings."""
    stream = _Stream(data)
    try:
        if stream.take(4) != STREAM_MAGIC or stream.byte() != _TC_OBJECT:
            raise _Damaged
        _hashmap_descriptor(stream)
        tag = stream.byte()
        if tag == _TC_BLOCKDATA:
            block = stream.take(stream.byte())
        elif tag == _TC_BLOCKDATALONG:
            block = stream.take(stream.i32())
        else:
            raise _Damaged
        if len(block) != 8:
            raise _Damaged
        _capacity, size = struct.unpack(">ii", block)
        if size < 0 or size * 6 > len(data) - stream.pos:  # a pair takes at least 6 bytes
            raise _Damaged
        pairs = [(stream.string(), stream.string()) for _ in range(size)]
        if stream.byte() != _TC_ENDBLOCKDATA:
            raise _Damaged
    except _Damaged:
        raise DamagedFileError(f"{what} is truncated or damaged") from None
    return pairs
