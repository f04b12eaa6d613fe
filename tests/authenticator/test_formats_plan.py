"""What an import adds to a vault: duplicates skipped, same-label conflicts kept and reported."""

from __future__ import annotations

from twostep.authenticator.entry import Entry
from twostep.authenticator.formats.plan import plan_import
from twostep.otp import Account, Secret

SECRET_A = Secret.from_base32("JBSWY3DPEHPK3PXP")
SECRET_B = Secret.from_base32("4SJHB4GSD43FZBAI7C2HLRJGPQ")


def entry(issuer: str, name: str, secret: Secret = SECRET_A, **kw) -> Entry:
    return Entry(Account(secret, issuer=issuer, name=name), **kw)


def test_same_issuer_account_and_secret_is_skipped_case_insensitively():
    existing = [entry("GitHub", "alice")]
    plan = plan_import(existing, [entry("github", "ALICE"), entry("GitLab", "alice")])
    assert [e.account.issuer for e in plan.new] == ["GitLab"]
    assert [e.account.issuer for e in plan.duplicates] == ["github"]
    assert plan.conflicts == ()


def test_same_label_with_another_secret_is_added_and_reported():
    old = entry("Google", "bob")
    new = entry("Google", "bob", SECRET_B)
    plan = plan_import([old], [new])
    assert plan.new == (new,)
    ((conflict),) = plan.conflicts
    assert conflict.entry == new
    assert conflict.existing == old


def test_duplicates_inside_the_import_itself_are_skipped():
    first, again = entry("A", "x"), entry("A", "x")
    plan = plan_import([], [first, again])
    assert plan.new == (first,)
    assert plan.duplicates == (again,)


def test_taken_ids_are_replaced():
    old = entry("A", "x", id="same")
    plan = plan_import([old], [entry("B", "y", id="same"), entry("C", "z", id="other")])
    ids = [e.id for e in plan.new]
    assert "same" not in ids
    assert "other" in ids
    assert len(set(ids)) == 2


def test_nothing_to_do():
    existing = [entry("A", "x")]
    plan = plan_import(existing, [entry("A", "x")])
    assert not plan.changes_vault
