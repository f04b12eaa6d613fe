"""Merging two copies of a vault loses nothing: change stamps, tombstones, property tests.

Two "computers" start from one vault, each adds, renames, re-notes, removes and uses HOTP codes
while apart (through the same stamping code :meth:`Vault.update` runs), then they merge in
either order. Hypothesis drives the operations; the checks are commutativity, idempotence and
that each side's changes are in the result unless the other side changed the same thing later.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twostep.authenticator.entry import Entry
from twostep.authenticator.vault import Vault
from twostep.authenticator.vault.changes import ZERO, entry_stamp, record_changes, stamp_of
from twostep.authenticator.vault.codec import entry_to_dict
from twostep.authenticator.vault.crypto import KdfParams
from twostep.authenticator.vault.merge import document_of, merge, same_content
from twostep.otp import Account, OtpType, Secret

from .conftest import DATA, SECRET


def _entry(issuer: str, name: str, *, hotp: bool = False, secret: str = SECRET) -> dict[str, Any]:
    kind = OtpType.HOTP if hotp else OtpType.TOTP
    account = Account(Secret.from_base32(secret), type=kind, issuer=issuer, name=name)
    return entry_to_dict(Entry(account, created_at=1.0))


class Copy:
    """One computer's vault payload, changed the way Vault.update changes it."""

    def __init__(self, payload: dict[str, Any], device: str, start_ms: int) -> None:
        self.payload = copy.deepcopy(payload)
        self.payload["device"] = device
        self.now = start_ms / 1000

    def change(self, edit: Any) -> None:
        entries = copy.deepcopy(self.payload["entries"])
        for item in entries:
            item.pop("stamps", None)
        edit(entries)
        self.now += 0.001
        self.payload["entries"] = record_changes(self.payload, entries, self.now)

    def doc(self) -> dict[str, Any]:
        return document_of(self.payload)


def _by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in doc["entries"]}


def _base() -> dict[str, Any]:
    payload: dict[str, Any] = {"entries": []}
    start = Copy(payload, "origin", 1_000_000)
    start.change(
        lambda entries: entries.extend(
            [_entry("ACME", "alice"), _entry("Bank", "bob", hotp=True), _entry("Mail", "carol")]
        )
    )
    return start.payload


# -- plain cases ---------------------------------------------------------------------------------
def test_adds_on_both_sides_are_all_kept() -> None:
    base = _base()
    a, b = Copy(base, "a", 2_000_000), Copy(base, "b", 2_000_000)
    a.change(lambda e: e.append(_entry("GitHub", "a-only")))
    b.change(lambda e: e.append(_entry("GitLab", "b-only")))
    merged = merge(a.doc(), b.doc())
    names = sorted(item["name"] for item in merged["entries"])
    assert names == ["a-only", "alice", "b-only", "bob", "carol"]
    assert same_content(merged, merge(b.doc(), a.doc()))


def test_a_rename_here_and_a_note_there_both_survive() -> None:
    base = _base()
    first = base["entries"][0]["id"]
    a, b = Copy(base, "a", 2_000_000), Copy(base, "b", 2_100_000)

    def rename(entries: list[dict[str, Any]]) -> None:
        entries[0]["issuer"] = "ACME Corp"

    def note(entries: list[dict[str, Any]]) -> None:
        entries[0]["note"] = "the work account"

    a.change(rename)
    b.change(note)  # later, but another field group
    merged = _by_id(merge(a.doc(), b.doc()))[first]
    assert (merged["issuer"], merged["note"]) == ("ACME Corp", "the work account")


def test_a_removal_wins_over_older_changes_and_loses_to_newer_ones() -> None:
    base = _base()
    first = base["entries"][0]["id"]
    a, b = Copy(base, "a", 2_000_000), Copy(base, "b", 3_000_000)
    a.change(lambda e: e.pop(0))  # removed at t=2000 s
    b.change(lambda e: e[0].update(name="renamed later"))  # renamed at t=3000 s
    merged = merge(a.doc(), b.doc())
    assert _by_id(merged)[first]["name"] == "renamed later"  # the later rename is not eaten
    early = Copy(base, "c", 1_500_000)
    early.change(lambda e: e[0].update(name="renamed before"))
    assert first not in _by_id(merge(a.doc(), early.doc()))  # the removal came after
    assert first in {t["id"] for t in merge(a.doc(), early.doc())["removed"]}


def test_the_hotp_counter_never_goes_back() -> None:
    base = _base()
    bob = base["entries"][1]["id"]
    a, b = Copy(base, "a", 2_000_000), Copy(base, "b", 3_000_000)
    for _ in range(5):
        a.change(lambda e: e[1].update(counter=e[1]["counter"] + 1))
    b.change(lambda e: e[1].update(counter=e[1]["counter"] + 1))  # later, but fewer codes
    assert _by_id(merge(a.doc(), b.doc()))[bob]["counter"] == 5
    assert _by_id(merge(b.doc(), a.doc()))[bob]["counter"] == 5


def test_a_new_secret_brings_its_own_counter() -> None:
    base = _base()
    bob = base["entries"][1]["id"]
    a, b = Copy(base, "a", 2_000_000), Copy(base, "b", 3_000_000)
    a.change(lambda e: e[1].update(counter=9))
    b.change(lambda e: e[1].update(secret="JBSWY3DPEHPK3PXP", counter=0))  # re-enrolled later
    merged = _by_id(merge(a.doc(), b.doc()))[bob]
    assert (merged["secret"], merged["counter"]) == ("JBSWY3DPEHPK3PXP", 0)


def test_tombstones_hold_no_secret_and_no_name() -> None:
    base = _base()
    a = Copy(base, "a", 2_000_000)
    a.change(lambda e: e.clear())
    assert all(set(t) == {"id", "stamp"} for t in a.payload["removed"])
    assert a.payload["entries"] == []


def test_a_clock_behind_still_orders_new_changes_after_what_it_has_seen() -> None:
    base = _base()
    a = Copy(base, "a", 5_000_000)
    a.change(lambda e: e[0].update(name="first"))
    a.now = 10.0  # the wall clock jumped back
    a.change(lambda e: e[0].update(name="second"))
    stamps = a.payload["entries"][0]["stamps"]
    assert stamp_of(stamps["label"])[0] > 5_000_000


# -- properties ----------------------------------------------------------------------------------
OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "rename", "note", "remove", "hotp"]),
        st.integers(min_value=0, max_value=6),
        st.text(alphabet="abcxyz", min_size=1, max_size=4),
    ),
    max_size=8,
)


def _apply(side: Copy, ops: list[tuple[str, int, str]], tag: str) -> dict[str, Any]:
    """Run ``ops``; returns what this side did, for the checks."""
    done: dict[str, Any] = {
        "added": set(),
        "renamed": {},
        "removed": set(),
        "counters": {},
        "touched": set(),
    }
    for n, (op, index, text) in enumerate(ops):
        entries = side.payload["entries"]
        if op == "add":
            item = _entry(f"{tag}{n}", text)
            side.change(lambda e, item=item: e.append(copy.deepcopy(item)))
            done["added"].add(item["id"])
            continue
        if not entries:
            continue
        target = entries[index % len(entries)]["id"]
        done["touched"].add(target)

        def at(e: list[dict[str, Any]], target: str = target) -> dict[str, Any]:
            return next(item for item in e if item["id"] == target)

        if op == "rename":
            side.change(lambda e, at=at, text=text: at(e).update(name=f"{tag}-{text}"))
            done["renamed"][target] = f"{tag}-{text}"
        elif op == "note":
            side.change(lambda e, at=at, text=text: at(e).update(note=text))
        elif op == "remove":
            side.change(lambda e, at=at: e.remove(at(e)))
            done["removed"].add(target)
            done["renamed"].pop(target, None)
        else:
            side.change(lambda e, at=at: at(e).update(counter=at(e)["counter"] + 1))
            done["counters"][target] = at(side.payload["entries"])["counter"]
    return done


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops_a=OPS, ops_b=OPS, a_first=st.booleans())
def test_merging_is_commutative_idempotent_and_loses_nothing(
    ops_a: list[tuple[str, int, str]], ops_b: list[tuple[str, int, str]], a_first: bool
) -> None:
    base = _base()
    # Interleaved clocks: which side's change is "later" varies with a_first.
    a = Copy(base, "a", 2_000_000 if a_first else 2_000_000 + 500)
    b = Copy(base, "b", 2_000_000 + 500 if a_first else 2_000_000)
    did_a, did_b = _apply(a, ops_a, "A"), _apply(b, ops_b, "B")
    doc_a, doc_b = a.doc(), b.doc()

    ab, ba = merge(doc_a, doc_b), merge(doc_b, doc_a)
    assert same_content(ab, ba)  # commutative
    assert same_content(merge(doc_a, doc_a), doc_a)  # idempotent
    assert same_content(merge(ab, doc_b), ab)  # syncing again changes nothing
    assert same_content(merge(ab, doc_a), ab)
    kept = [i["id"] for i in doc_a["entries"] if i["id"] in _by_id(ab)]
    assert [i["id"] for i in ab["entries"]][: len(kept)] == kept  # the local order is kept

    result = _by_id(ab)
    removed_anywhere = did_a["removed"] | did_b["removed"]
    for side, other in ((did_a, did_b), (did_b, did_a)):
        for key in side["added"] - side["removed"]:
            assert key in result  # an add is never lost (ids are new: no one else removed it)
        for key, name in side["renamed"].items():
            if key not in removed_anywhere and key not in other["renamed"]:
                assert result[key]["name"] == name  # a rename nobody else touched is kept
        for key in side["removed"]:
            if key not in other["touched"]:
                assert key not in result  # a removal nobody overrode is kept
        for key, counter in side["counters"].items():
            if key in result and key not in removed_anywhere:
                assert result[key]["counter"] >= counter  # HOTP counters never go back
    for item in result.values():
        assert entry_stamp(item) >= ZERO


# -- the real vault ------------------------------------------------------------------------------
def _cheap() -> KdfParams:
    return KdfParams(memory_kib=8, passes=1, lanes=1, salt=b"0123456789abcdef")


def test_vault_update_stamps_changes_and_leaves_tombstones(tmp_path: Path) -> None:
    path = tmp_path / "v.twostep"
    vault = Vault.create(path, "pw", kdf=_cheap())
    alice = Entry(Account(Secret.from_base32(SECRET), issuer="ACME", name="alice"))
    vault.update(lambda e: e.append(alice), now=100.0)
    item = vault.read_payload()["entries"][0]
    assert set(item["stamps"]) == {"label", "otp", "note", "groups", "favorite", "icon"}
    assert stamp_of(item["stamps"]["label"])[0] == 100_000
    vault.update(lambda e: e.__setitem__(0, e[0].replace(note="x")), now=200.0)
    stamps = vault.read_payload()["entries"][0]["stamps"]
    assert stamp_of(stamps["note"])[0] == 200_000
    assert stamp_of(stamps["label"])[0] == 100_000  # unchanged groups keep their stamp
    vault.update(lambda e: e.clear(), now=300.0)
    payload = vault.read_payload()
    assert payload["removed"] == [{"id": alice.id, "stamp": [300_000, payload["device"]]}]


def test_an_old_vault_migrates_without_losing_anything(tmp_path: Path) -> None:
    """The v1 fixture (no stamps) opens, saves and merges: every field of every entry kept."""
    old = tmp_path / "old.twostep"
    shutil.copyfile(DATA / "vault-v1.twostep", old)
    vault = Vault.unlock(old, "fixture password v1")
    before = {e.id: e for e in vault.read_entries()}
    vault.update(lambda entries: None)  # a save that changes nothing
    payload = vault.read_payload()
    assert {e.id: e for e in vault.read_entries()} == before
    assert all(entry_stamp(item) == ZERO for item in payload["entries"])
    other = copy.deepcopy(document_of(payload))
    other["entries"][0]["note"] = "changed elsewhere"
    other["entries"][0]["stamps"]["note"] = [5, "b"]
    merged = _by_id(merge(document_of(payload), other))
    assert set(merged) == set(before)
    assert merged[other["entries"][0]["id"]]["note"] == "changed elsewhere"


@pytest.mark.parametrize("side", ["local", "remote"])
def test_unknown_entry_fields_of_the_newer_side_are_kept(side: str) -> None:
    base = _base()
    a, b = Copy(base, "a", 2_000_000), Copy(base, "b", 3_000_000)
    b.payload["entries"][0]["future"] = 1
    b.change(lambda e: e[0].update(note="n"))
    docs = (b.doc(), a.doc()) if side == "local" else (a.doc(), b.doc())
    assert _by_id(merge(*docs))[base["entries"][0]["id"]].get("future") == 1
