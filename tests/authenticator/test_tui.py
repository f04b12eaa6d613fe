"""``twostep-auth watch``: the textual app driven by its pilot, and the real program in a real
terminal (tmux), as over SSH."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable, Footer

from twostep.authenticator import services
from twostep.authenticator.tui import WatchApp, countdown_bar, group_code

from .conftest import SECRET, TWOSTEP_AUTH, URI, Display, Env, wait_for
from .test_cli import GH_SECRET, oathtool, totp
from .test_desktop import clipboard

AT = 1_999_999_990  # 20 s left in its period


@pytest.fixture
def filled(unlocked: Env) -> Env:
    unlocked.ok("add", "--uri", URI)
    unlocked.ok("add", "--issuer", "GitHub", "--account", "alice", "--secret", GH_SECRET)
    unlocked.ok(
        "add",
        "--issuer",
        "GitHub",
        "--account",
        "bob",
        "--secret",
        GH_SECRET,
        "--digits",
        "8",
        "--group",
        "work",
    )
    unlocked.ok(
        "add",
        "--issuer",
        "VPN",
        "--account",
        "me",
        "--secret",
        GH_SECRET,
        "--type",
        "hotp",
        "--counter",
        "4",
    )
    return unlocked


def _app(**kw: object) -> WatchApp:
    auth = services.open_vault()
    auth.clock = lambda: AT
    return WatchApp(auth, **kw)  # type: ignore[arg-type]


def _labels(app: WatchApp) -> list[str]:
    return [e.label for e in app.visible_entries()]


def test_bar_and_grouping() -> None:
    assert countdown_bar(30, 30) == "██████████"
    assert countdown_bar(15, 30) == "█████░░░░░"
    assert countdown_bar(0, 30) == "░░░░░░░░░░"
    assert group_code("123456") == "123 456"
    assert group_code("12345678") == "1234 5678"
    assert group_code("2BCDF") == "2BCDF"


def test_watch_shows_every_code_with_its_countdown(filled: Env) -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            entries = {e.label: e for e in app.visible_entries()}
            assert list(entries) == [
                "ACME Co:alice@example.com",
                "GitHub:alice",
                "GitHub:bob",
                "VPN:me",
            ]
            acme = entries["ACME Co:alice@example.com"].id
            assert app.cell(acme, "code") == group_code(totp(SECRET, AT))
            assert app.cell(acme, "left") == "20"
            assert app.cell(acme, "bar") == countdown_bar(20, 30)
            bob = entries["GitHub:bob"].id
            assert app.cell(bob, "code") == group_code(totp(GH_SECRET, AT, "--digits=8"))
            assert app.cell(entries["VPN:me"].id, "code") == "Enter"  # HOTP: on demand
            # The clock moves on: the codes and bars follow.
            app.auth.clock = lambda: AT + 25
            app.refresh_codes()
            assert app.cell(acme, "code") == group_code(totp(SECRET, AT + 25))
            assert app.cell(acme, "left") == "25"

    asyncio.run(scenario())


def test_typing_filters_and_escape_clears_then_quits(filled: Env) -> None:
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"git")
            assert _labels(app) == ["GitHub:alice", "GitHub:bob"]
            await pilot.press(*"hub:b")
            assert _labels(app) == ["GitHub:bob"]
            await pilot.press("escape")
            assert app.filter_text == ""
            assert len(_labels(app)) == 4
            await pilot.press(*"work")  # groups match too
            assert _labels(app) == ["GitHub:bob"]
            await pilot.press(*"zzz")
            assert _labels(app) == []
            await pilot.press("enter")
            assert "no entry matches" in str(app.query_one("#status").render())
            await pilot.press("escape", "escape")
        assert app.return_code == 0

    asyncio.run(scenario())


def test_enter_copies_the_selected_code_to_the_clipboard(
    filled: Env, xvfb: Display, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", xvfb.name)

    async def scenario() -> None:
        app = _app(clear_after=0)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"github")
            await pilot.press("down", "enter")
            await pilot.pause()
            assert "GitHub:bob: copied" in str(app.query_one("#status").render())

    asyncio.run(scenario())
    assert wait_for(lambda: clipboard(xvfb)) == totp(GH_SECRET, AT, "--digits=8")


def test_a_tick_while_the_app_closes_does_nothing(filled: Env) -> None:
    # On quit, textual removes the widgets before it stops the app's timers; a tick in between
    # used to end the program with a traceback (NoMatches: no DataTable).
    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(100, 30)) as pilot:
            await app.query_one(DataTable).remove()
            app.refresh_codes()
            await pilot.press("escape")
        assert app.return_code == 0

    asyncio.run(scenario())


def test_enter_on_hotp_generates_the_next_code_and_saves_the_counter(filled: Env) -> None:
    async def scenario() -> str:
        app = _app()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"vpn", "enter")
            await pilot.pause()
            vpn = app.visible_entries()[0].id
            # No clipboard here (no DISPLAY): the code still reaches the terminal by OSC 52.
            assert "OSC 52" in str(app.query_one("#status").render())
            return app.cell(vpn, "code")

    shown = asyncio.run(scenario())
    assert shown == group_code(oathtool("--hotp", "-b", GH_SECRET, "-c", "4"))
    listed = json.loads(filled.ok("list", "--json").out)
    assert [e["counter"] for e in listed if e["issuer"] == "VPN"] == [5]


def _tmux(socket: Path, *args: str) -> str:
    return subprocess.run(
        ["tmux", "-S", str(socket), *args], capture_output=True, text=True, check=True, timeout=20
    ).stdout


@pytest.mark.slow
@pytest.mark.parametrize("term", ["xterm-256color", "vt100"])
def test_watch_runs_in_a_plain_terminal(filled: Env, tmp_path: Path, term: str) -> None:
    """The real program in a real pseudo-terminal (tmux), no X display: what SSH gives."""
    socket = tmp_path / "tmux.sock"
    env = filled.environ({"TERM": term})
    env.pop("TMUX", None)
    command = f"{TWOSTEP_AUTH} watch; echo EXITED=$?; sleep 30"
    subprocess.run(
        [
            "tmux",
            "-S",
            str(socket),
            "-f",
            os.devnull,
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "sh",
            "-c",
            command,
        ],
        env=env,
        check=True,
        timeout=20,
    )

    def screen_with(text: str, present: bool = True) -> str | None:
        shown = _tmux(socket, "capture-pane", "-p")
        return shown if (text in shown) == present else None

    try:
        screen = str(wait_for(lambda: screen_with("GitHub:bob"), timeout=60))
        assert "ACME Co:alice@example.com" in screen
        assert "type to filter" in screen
        before = oathtool("--totp", "-b", SECRET)
        _tmux(socket, "send-keys", "-l", "acme")
        screen = str(wait_for(lambda: screen_with("GitHub", present=False), timeout=30))
        after = oathtool("--totp", "-b", SECRET)
        assert "ACME Co:alice@example.com" in screen
        assert group_code(before) in screen or group_code(after) in screen
        _tmux(socket, "send-keys", "Escape")
        _tmux(socket, "send-keys", "Escape")
        wait_for(lambda: screen_with("EXITED=0"), timeout=30)
    finally:
        subprocess.run(
            ["tmux", "-S", str(socket), "kill-server"], check=False, timeout=20, capture_output=True
        )


def test_the_status_line_is_on_screen_after_enter(filled: Env) -> None:
    """Enter's confirmation must be visible, not drawn behind the footer (issue 15, item 4)."""

    async def scenario() -> None:
        app = _app()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"vpn", "enter")
            await pilot.pause()
            status = app.query_one("#status")
            assert "VPN:me: sent to the terminal's clipboard" in str(status.render())
            region = status.region
            assert region.height == 1
            assert region.width > 40
            # Every cell of the status line shows the status widget, nothing covers it.
            for x in range(region.x, region.right):
                assert app.screen.get_widget_at(x, region.y)[0] is status, x
            # And it sits just above the key help at the bottom of the screen.
            footer = app.query_one(Footer)
            assert region.bottom <= footer.region.y

    asyncio.run(scenario())


@pytest.mark.slow
def test_enter_shows_its_confirmation_in_a_real_terminal(filled: Env, tmp_path: Path) -> None:
    """What a person sees in tmux after Enter: the status line with the confirmation."""
    socket = tmp_path / "tmux.sock"
    env = filled.environ({"TERM": "xterm-256color"})
    env.pop("TMUX", None)
    command = f"{TWOSTEP_AUTH} watch --filter acme; sleep 30"
    subprocess.run(
        [
            "tmux",
            "-S",
            str(socket),
            "-f",
            os.devnull,
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
            "sh",
            "-c",
            command,
        ],
        env=env,
        check=True,
        timeout=20,
    )

    def screen_with(text: str) -> str | None:
        shown = _tmux(socket, "capture-pane", "-p")
        return shown if text in shown else None

    try:
        wait_for(lambda: screen_with("ACME Co:alice@example.com"), timeout=60)
        _tmux(socket, "send-keys", "Enter")
        # No X display here: the code goes to the terminal's clipboard (OSC 52), and says so.
        screen = str(wait_for(lambda: screen_with("sent to the terminal's clipboard"), timeout=30))
        assert "ACME Co:alice@example.com: sent to the terminal's clipboard" in screen
    finally:
        subprocess.run(
            ["tmux", "-S", str(socket), "kill-server"], check=False, timeout=20, capture_output=True
        )
