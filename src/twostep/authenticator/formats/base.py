"""What every format module shares: the Format record, import results, and per-entry problems.

A reader turns the bytes of a file into an :class:`ImportResult`: the entries it could read and
one :class:`Problem` per entry it could not (entry number, field, reason; never the secret).
Faults of the whole file (wrong password, truncation, not this format) raise a
:class:`~twostep.authenticator.formats.errors.FormatError` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol, TypeVar

from twostep.authenticator.entry import Entry
from twostep.otp import Account, InvalidSecretError, OTPError

from .errors import WrongFormatError

__all__ = [
    "MAX_IMPORT_BYTES",
    "EntryError",
    "Format",
    "ImportResult",
    "Problem",
    "Progress",
    "collect_entries",
    "ensure_detected",
    "make_entry",
]

#: Largest file accepted for import. Real exports are a few hundred kilobytes even with icons
#: (Aegis: 1,000 entries with PNG icons is about 5 MB); anything larger is refused unread.
MAX_IMPORT_BYTES: Final = 20 * 1024 * 1024

T = TypeVar("T")

#: Called as ``progress(done, total)`` while entries are converted.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Problem:
    """An entry of the file that could not be imported, and why. Never holds a secret."""

    number: int  # 1-based position of the entry (or line) in the file
    field: str  # which field is wrong: "secret", "type", "digits"...
    message: str
    label: str = ""  # issuer:account when it could be read, to help find the entry
    unit: str = "entry"  # "entry", "line", "QR code"

    def __str__(self) -> str:
        where = f"{self.unit} {self.number}"
        if self.label:
            where += f" ({self.label})"
        return f"{where}: {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The entries read from a file, the ones that could not be read, and notes for the user."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...] = ()
    total: int = 0  # entries (or lines with content) seen in the file
    notes: tuple[str, ...] = ()  # e.g. "3 items without a TOTP secret were ignored"


class EntryError(Exception):
    """Raised inside a reader for one bad entry; becomes a :class:`Problem`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _Reader(Protocol):
    def __call__(
        self, data: bytes, password: str | None = None, *, progress: Progress | None = None
    ) -> ImportResult: ...


class _ManyReader(Protocol):
    def __call__(
        self,
        files: Sequence[bytes],
        password: str | None = None,
        *,
        progress: Progress | None = None,
    ) -> ImportResult: ...


class _Writer(Protocol):
    def __call__(self, entries: Sequence[Entry], password: str | None = None) -> list[bytes]: ...


@dataclass(frozen=True)
class Format:
    """One foreign (or our own) file format and what twostep can do with it.

    ``detect`` recognises content positively, without a password: it says yes only to what
    this format's files really hold (a signature, a structure), never "anything else", because
    auto-detection tries every format and refuses what none or several of them recognise.
    ``accepts`` (default: ``detect``) is what ``--format NAME`` lets through when the user names
    the format, for files with nothing to recognise (andOTP's old encrypted scheme).
    ``read`` raises only FormatError subclasses;
    ``write`` returns one or more files (Google Authenticator QR codes are several PNGs).
    ``encryption`` says how exports are protected: "required", "optional" (plain when no
    password is given) or "none".
    ``refines`` names formats whose files this one's are a special case of (a WinAuth export is
    a valid otpauth list with more in it): when both recognise a file, this one is chosen.
    """

    name: str
    title: str
    summary: str
    suffix: str = ""
    detect: Callable[[bytes], bool] | None = None
    accepts: Callable[[bytes], bool] | None = None
    read: _Reader | None = None
    read_many: _ManyReader | None = None
    write: _Writer | None = None
    encryption: Literal["required", "optional", "none"] = "none"
    is_encrypted: Callable[[bytes], bool] = field(default=lambda data: False)
    #: For export: whether the format can hold the entry's codes (``write`` refuses the others
    #: by name; ``export --skip-unsupported`` leaves them out). None: every entry.
    can_hold: Callable[[Entry], bool] | None = None
    refines: tuple[str, ...] = ()

    def takes(self, data: bytes) -> bool:
        """Whether ``data`` may be read as this format when the user names it."""
        check = self.accepts or self.detect
        return check is not None and check(data)

    @property
    def can_import(self) -> bool:
        return self.read is not None

    @property
    def can_export(self) -> bool:
        return self.write is not None


def ensure_detected(data: bytes, detect: Callable[[bytes], bool], title: str) -> None:
    """Raise :class:`WrongFormatError` unless ``detect(data)``: every reader starts with this."""
    if not detect(data):
        raise WrongFormatError(f"this file is not {title}")


def make_entry(
    account: Account,
    *,
    note: str = "",
    groups: Iterable[str] = (),
    favorite: bool = False,
    icon: Any = None,
    created_at: float = 0.0,
) -> Entry:
    """An :class:`Entry` with tidy groups (stripped, no empty names, no repeats, in order)."""
    tidy: list[str] = []
    for name in groups:
        name = name.strip()
        if name and name not in tidy:
            tidy.append(name)
    return Entry(
        account=account,
        note=note,
        groups=tuple(tidy),
        favorite=favorite,
        icon=icon,
        created_at=created_at,
    )


def _problem_from(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, EntryError):
        return exc.field, exc.message
    if isinstance(exc, InvalidSecretError):
        return "secret", str(exc).removeprefix("secret: ")
    field_name = getattr(exc, "field", None)
    text = str(exc)
    if isinstance(field_name, str) and field_name:
        return field_name, text.removeprefix(f"{field_name}: ")
    return "entry", text


def collect_entries(
    items: Sequence[T],
    build: Callable[[T], Entry | None],
    *,
    label_of: Callable[[T], str] | None = None,
    unit: str = "entry",
    numbers: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> tuple[list[Entry], list[Problem]]:
    """Build an entry from each item, turning per-entry errors into :class:`Problem` values.

    ``build`` returns ``None`` to skip an item silently (say, a Bitwarden login without TOTP).
    OTP errors and :class:`EntryError` become problems; messages of those never carry secrets.
    """
    entries: list[Entry] = []
    problems: list[Problem] = []
    total = len(items)
    for index, item in enumerate(items):
        number = numbers[index] if numbers is not None else index + 1
        try:
            entry = build(item)
        except (EntryError, OTPError) as exc:
            field_name, message = _problem_from(exc)
            label = ""
            if label_of is not None:
                try:
                    label = label_of(item)
                except Exception:  # a label is a courtesy; never fail on it
                    label = ""
            problems.append(Problem(number, field_name, message, label[:80], unit))
        else:
            if entry is not None:
                entries.append(entry)
        if progress is not None:
            progress(index + 1, total)
    return entries, problems


def sniff_image_mime(data: bytes) -> str | None:
    """image/png, image/jpeg or image/svg+xml from the first bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    return None
