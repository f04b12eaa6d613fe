"""``twostep-auth watch``: a live, full-screen view of every code (textual).

One row per entry: the name, the current code, a countdown bar for its period and the seconds
left. Typing filters the rows (issuer, account, note, groups); Up/Down move; Enter copies the
selected code (the local clipboard, and OSC 52 so that it also reaches the clipboard of the
terminal you are sitting at over SSH); Esc clears the filter, then quits; Ctrl+C quits.
HOTP rows show no code until Enter asks for one (that advances and saves the counter).
A line under the status shows the sync state, as ``twostep-auth status`` does (account, last
sync, whether changes wait to be sent), re-read from the vault every 5 seconds; while changes
wait, a sync is tried in the background every 30 seconds.

Codes come from :class:`~twostep.authenticator.unlocked_vault.Authenticator` (the TUI never
computes them); the clock is the service's, so tests can fix it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import DataTable, Footer, Input, Static

from twostep.authenticator.entry import Entry
from twostep.authenticator.errors import AuthenticatorError
from twostep.authenticator.names import matches_search
from twostep.authenticator.unlocked_vault import Authenticator
from twostep.otp import OtpType

__all__ = ["WatchApp", "countdown_bar", "group_code"]

BAR_WIDTH = 10


def countdown_bar(remaining: float, period: int, width: int = BAR_WIDTH) -> str:
    """``██████░░░░``: the share of the period still left."""
    filled = max(0, min(width, round(width * remaining / period)))
    return "█" * filled + "░" * (width - filled)


def group_code(code: str) -> str:
    """``123 456`` / ``1234 5678``: easier to read and type."""
    if len(code) in (6, 8):
        half = len(code) // 2
        return f"{code[:half]} {code[half:]}"
    return code


class WatchApp(App[None]):
    """The live view. ``copy`` puts a code on the clipboard (default: the real one)."""

    TITLE = "twostep-auth watch"
    CSS = """
    Input { dock: top; }
    #status { height: 1; color: $text-muted; }
    #sync { height: 1; color: $text-muted; }
    DataTable { height: 1fr; }
    """
    # The status line is laid out under the table, not docked: docked at the bottom too, the
    # footer (key help) was drawn over it and Enter's "copied" never showed.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "escape", "clear filter / quit"),
        Binding("ctrl+c", "quit", "quit", priority=True),
        Binding("up", "move(-1)", "up", show=False, priority=True),
        Binding("down", "move(1)", "down", show=False, priority=True),
    ]

    def __init__(
        self, auth: Authenticator, *, initial_filter: str = "", clear_after: float = 30.0
    ) -> None:
        super().__init__()
        self.auth = auth
        self.clear_after = clear_after
        self._entries: list[Entry] = auth.entries()
        self._shown: list[Entry] = []
        self._hotp_codes: dict[str, str] = {}
        self._initial_filter = initial_filter
        self._sync_running = False
        self._sync_tried = float("-inf")

    #: Seconds between tries to send changes that wait (the server could not be reached).
    sync_every: float = 30.0

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Input(
            value=self._initial_filter, placeholder="type to filter - Enter copies - Esc quits"
        )
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        table.can_focus = False  # typing always goes to the filter
        yield table
        yield Static("", id="status")
        yield Static("", id="sync")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Account", key="name")
        table.add_column("Code", key="code")
        table.add_column("Time left", key="bar")
        table.add_column("s", key="left")
        self.query_one(Input).focus()
        self._rebuild()
        self.set_interval(0.25, self.refresh_codes)
        self.refresh_sync()
        self.set_interval(5, self.refresh_sync)

    # -- data -------------------------------------------------------------------------------------
    @property
    def filter_text(self) -> str:
        return self.query_one(Input).value

    def visible_entries(self) -> list[Entry]:
        """The entries the filter lets through, in vault order."""
        return list(self._shown)

    def _matching(self) -> list[Entry]:
        text = self.filter_text
        return [
            e
            for e in self._entries
            if not text or matches_search(text, (e.label, e.note, *e.groups))
        ]

    def _cells(self, entry: Entry) -> tuple[str, str, str]:
        if entry.account.type is OtpType.HOTP:
            code = self._hotp_codes.get(entry.id)
            return (group_code(code) if code else "Enter", "HOTP", "")
        result = self.auth.code_for(entry)
        remaining = result.remaining or 0.0
        return (
            group_code(result.code),
            countdown_bar(remaining, entry.account.period),
            str(int(remaining + 0.999)),
        )

    def _rebuild(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self._shown = self._matching()
        for entry in self._shown:
            table.add_row(entry.label or "(no name)", *self._cells(entry), key=entry.id)
        count, total = len(self._shown), len(self._entries)
        self._status(f"{count} of {total} entries" if self.filter_text else f"{total} entries")

    def refresh_codes(self) -> None:
        """Redraw the codes (4 times a second). A tick that comes while the app closes does
        nothing: the app's widgets are removed before its timers stop."""
        try:
            table = self.query_one(DataTable)
        except NoMatches:
            return
        for entry in self._shown:
            code, bar, left = self._cells(entry)
            table.update_cell(entry.id, "code", code)
            table.update_cell(entry.id, "bar", bar)
            table.update_cell(entry.id, "left", left)

    def refresh_sync(self) -> None:
        """The sync line: the same state as ``twostep-auth status`` (read from the vault). When
        changes wait to be sent, a sync is tried in the background every :attr:`sync_every`
        seconds (quietly: the line says how it went)."""
        import time

        from twostep.authenticator.sync.state import describe, pending, read_state

        try:
            payload = self.auth.vault.read_payload()
            self.query_one("#sync", Static).update(describe(payload, now=self.auth.clock()))
        except (AuthenticatorError, NoMatches):
            return
        state = read_state(payload)
        due = time.monotonic() - self._sync_tried >= self.sync_every and not self._sync_running
        if state and state.verified and pending(payload, state) and due:
            self._sync_running, self._sync_tried = True, time.monotonic()
            self.run_worker(self._sync_in_background, thread=True, exit_on_error=False)

    def _sync_in_background(self) -> None:
        from twostep.authenticator.sync.engine import sync

        changed = False
        try:
            result = sync(self.auth.vault)
            changed = bool(result.received or result.removed)
        except AuthenticatorError:
            pass  # the line keeps saying that changes wait
        finally:
            self._sync_running = False
        self.call_from_thread(self._after_sync, changed)

    def _after_sync(self, changed: bool) -> None:
        if changed:
            self._entries = self.auth.entries()
            self._rebuild()
        self.refresh_sync()

    def sync_line(self) -> str:
        """The sync line's text (for tests)."""
        return str(self.query_one("#sync", Static).render())

    def _status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def cell(self, entry_id: str, column: str) -> str:
        """The text shown in a cell (for tests and accessibility tools)."""
        return str(self.query_one(DataTable).get_cell(entry_id, column))

    # -- events -----------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        self._rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.copy_selected()

    def action_move(self, delta: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            row = max(0, min(table.row_count - 1, table.cursor_row + delta))
            table.move_cursor(row=row)

    def action_escape(self) -> None:
        field = self.query_one(Input)
        if field.value:
            field.value = ""
        else:
            self.exit()

    def selected_entry(self) -> Entry | None:
        table = self.query_one(DataTable)
        if not self._shown:
            return None
        return self._shown[max(0, min(len(self._shown) - 1, table.cursor_row))]

    def copy_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self._status("nothing to copy: no entry matches")
            return
        try:
            result = self.auth.code_for(entry)
            if result.counter is not None:
                self._hotp_codes[entry.id] = result.code
                self._entries = [result.entry if e.id == entry.id else e for e in self._entries]
            self.copy_to_clipboard(result.code)  # OSC 52: the terminal's clipboard (SSH too)
            from twostep.authenticator.clipboard import copy_code

            try:
                copy_code(result.code, clear_after=self.clear_after, detach_output=False)
                where = f"copied (clears in {self.clear_after:g} s)"
            except AuthenticatorError:
                where = "sent to the terminal's clipboard (OSC 52)"
            self._status(f"{entry.label}: {where}")
        except AuthenticatorError as exc:
            self._status(str(exc))
        self.refresh_codes()
