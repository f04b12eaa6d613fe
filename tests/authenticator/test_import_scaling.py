"""Saving an import is linear in its size: counted operations, not timings.

(The times are in ``benchmarks/bench_import.py``.) The worst case of the old code was every
entry compared with every other one; here entries share issuer and name, so such a comparison
would reach the secrets. Each entry must be compared a bounded number of times, serialised once,
and the vault encrypted once.
"""

from __future__ import annotations

import secrets

import pytest

from twostep.authenticator import services
from twostep.authenticator.entry import Entry
from twostep.authenticator.formats.plan import plan_import
from twostep.authenticator.vault import codec, core
from twostep.otp import Account, Secret

VAULT, NEW = 300, 300


def _entries(count: int) -> list[Entry]:
    return [
        Entry(Account(Secret(secrets.token_bytes(20)), issuer="Same", name="same"))
        for _ in range(count)
    ]


@pytest.fixture
def counted(monkeypatch):
    calls = {"same_account": 0, "secret_eq": 0, "to_dict": 0, "seal": 0}

    def counting(name, original):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(Entry, "same_account", counting("same_account", Entry.same_account))
    monkeypatch.setattr(Secret, "__eq__", counting("secret_eq", Secret.__eq__))
    monkeypatch.setattr(codec, "entry_to_dict", counting("to_dict", codec.entry_to_dict))
    monkeypatch.setattr(core, "seal", counting("seal", core.seal))
    return calls


def test_adding_entries_compares_each_a_bounded_number_of_times(tmp_path, counted):
    auth = services.create_vault("pw", path=tmp_path / "vault")
    auth.add_entries(_entries(VAULT))
    existing = auth.entries()
    for key in counted:
        counted[key] = 0
    incoming = _entries(NEW) + existing[:10]  # ten duplicates
    seen = []
    report = auth.add_entries(
        incoming, on_duplicate="skip", progress=lambda done, total: seen.append((done, total))
    )
    assert (len(report.added), len(report.skipped)) == (NEW, 10)
    total = VAULT + NEW + 10
    assert counted["same_account"] + counted["secret_eq"] <= 2 * total  # not VAULT * NEW
    assert counted["to_dict"] == VAULT + NEW  # every entry serialised once
    assert counted["seal"] == 1  # and the vault encrypted once
    assert seen[-1] == (NEW + 10, NEW + 10)
    assert len(auth.entries()) == VAULT + NEW


def test_planning_an_import_compares_each_a_bounded_number_of_times(counted):
    existing = _entries(VAULT)
    plan = plan_import(existing, _entries(NEW) + existing[:10])
    assert (len(plan.new), len(plan.duplicates)) == (NEW, 10)
    assert counted["same_account"] + counted["secret_eq"] <= 2 * (VAULT + NEW + 10)
