"""Which users an application's verify key reaches, and each application's external ids.

Binding a second factor must be done by the user (NIST SP 800-63B §6.1.2.1): a verify key
that could enrol anyone would bind its holder's authenticator to a person who signs in to the
pages with a password. So a verify key enrols, and reads the status of, only the users of its
own application (those created through one of its keys: no password, no pages), unless an
administrator granted the key ``may_enrol_any_user``. Checking a code (``POST /verify``) needs
the code the user's own authenticator shows, so any user named by username or email may be
checked; an external id names a user of the key's application (with the grant, else one the
organisation gave that id).

Conditions are written for :func:`twostep.server.rows.select_one` on the user table
(``{id}`` names its id column), so the hot path keeps its one statement.

- :func:`default_application` (clock) -> the application "Default" (made when missing);
- :func:`application_named` (name, issuer=None, *, clock) -> the application of that name
  (made when missing; ``issuer`` set when given);
- :func:`external_id_lookup` (key, external_id) -> the condition for the key's user with it;
- :func:`scoped` (key, lookup) -> ``lookup`` limited to the users the key may enrol and read;
- :func:`may_manage` (key, user) -> bool: the same for a user already read;
- :func:`add_member` (key, user, external_id) -> the user joins the key's application;
- :func:`external_id_taken` (key, external_id) -> bool;
- :func:`issuer_for` (key) -> the issuer its users' authenticators show (None: the default).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction

from ..accounts.models import User
from ..clock import Clock
from ..errors import InvalidUserDataError, NameTakenError
from .models import ApiKey, Application, AppUser

__all__ = [
    "add_member",
    "application_named",
    "default_application",
    "external_id_lookup",
    "external_id_taken",
    "issuer_for",
    "may_manage",
    "scoped",
]

Lookup = tuple[str, list[Any]]


def application_named(name: str, issuer: str | None = None, *, clock: Clock) -> Application:
    name = " ".join(str(name or "").split())
    if not name or len(name) > 100:
        raise InvalidUserDataError(
            "application", "Give the application a name of 1 to 100 characters."
        )
    if issuer is not None:
        issuer = " ".join(issuer.replace(":", " ").split())
        if len(issuer) > 100:
            raise InvalidUserDataError("issuer", "Use at most 100 characters.")
    app = Application.objects.filter(name=name).first()
    if app is None:
        try:
            with transaction.atomic():
                return Application.objects.create(
                    name=name, issuer=issuer or "", created_at=clock()
                )
        except IntegrityError:  # made by a concurrent request
            app = Application.objects.get(name=name)
    if issuer is not None and app.issuer != issuer:
        app.issuer = issuer
        app.save(update_fields=["issuer"])
    return app


def default_application(*, clock: Clock) -> Application:
    return application_named(Application.DEFAULT_NAME, clock=clock)


def _members_sql() -> tuple[str, str]:
    quote = connection.ops.quote_name
    table = quote(AppUser._meta.db_table)
    user_id = quote(AppUser._meta.get_field("user").column)
    app_id = quote(AppUser._meta.get_field("application").column)
    external = quote(AppUser._meta.get_field("external_id").column)
    return f"SELECT {user_id} FROM {table} WHERE {app_id} = %s", external  # noqa: S608


def external_id_lookup(key: ApiKey, external_id: str) -> Lookup:
    """The key's application's user with that external id; for a key granted
    ``may_enrol_any_user``, when its application has none, the organisation's user with it
    (the id an administrator gave, ``User.external_id``): never two users."""
    members, external = _members_sql()
    own = f"{{id}} IN ({members} AND {external} = %s)"
    params: list[Any] = [key.application_id, external_id]
    if not key.may_enrol_any_user:
        return own, params
    organisation = f"{{external_id}} = %s AND NOT EXISTS ({members} AND {external} = %s)"
    return f"({own}) OR ({organisation})", [*params, external_id, *params]


def scoped(key: ApiKey, lookup: Lookup) -> Lookup:
    if key.may_enrol_any_user:
        return lookup
    where, params = lookup
    members, _ = _members_sql()
    return f"({where}) AND {{id}} IN ({members})", [*params, key.application_id]


def may_manage(key: ApiKey, user: User) -> bool:
    if key.may_enrol_any_user:
        return True
    return AppUser.objects.filter(application=key.application, user=user).exists()


def external_id_taken(key: ApiKey, external_id: str) -> bool:
    return AppUser.objects.filter(application=key.application, external_id=external_id).exists()


def add_member(key: ApiKey, user: User, external_id: str) -> AppUser:
    if key.application is None:
        raise InvalidUserDataError("application", "This key belongs to no application.")
    try:
        with transaction.atomic():
            return AppUser.objects.create(
                application=key.application, user=user, external_id=external_id
            )
    except IntegrityError:  # a concurrent request used the id first
        raise NameTakenError(
            "external_id", "Another user of this application has that external id."
        ) from None


def issuer_for(key: ApiKey) -> str | None:
    app = key.application
    return (app.issuer or None) if app is not None else None
