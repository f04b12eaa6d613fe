"""A user's signed-in sessions, pages and sign-in API alike: listed, and ended one by one
(OWASP ASVS 3.3.4: a user can see and end their active sessions).

A page session is a :class:`~.models.WebSession` row whose id the Django session keeps; a
sign-in API session is its :class:`~.models.AccessToken`. Both end 12 hours after the sign-in
and after 30 minutes without a request (:mod:`.signin`), and when the user's sessions are
ended (the session epoch). Their ids in lists are ``web-<n>`` and ``api-<n>``.

- ``start_web_session(user, *, clock, user_agent="", address=None) -> int`` (the row's id);
- ``forget_web_session(session_id, user)`` when the session signs out;
- ``keep_web_session(session_id, user)`` keeps this session when its user ended the others;
- ``web_session_alive(session_id, user, *, clock, touch) -> bool``: the row is there and of
  the user's current epoch; ``touch`` records the request as its last;
- ``used_lately(session_id, user, *, clock) -> bool``: the row was used within the idle limit,
  by the pages or by forward authentication's requests to protected sites (which touch the row,
  not the Django session): such a session is not idle;
- ``list_sessions(user, *, clock, current=None) -> list[SessionInfo]`` newest use first;
- ``end_session(user, session_id, *, clock, address=None) -> bool``: True when one of the
  user's sessions was ended (recorded ``session.signed_out``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..audit.services import Events, record
from ..clock import Clock
from .models import AccessToken, User, WebSession
from .signin import IDLE_LIMIT, SESSION_LIMIT, TOUCH_EVERY

__all__ = [
    "SessionInfo",
    "end_session",
    "forget_web_session",
    "keep_web_session",
    "list_sessions",
    "start_web_session",
    "used_lately",
    "web_session_alive",
]

WEB = "web"
API = "api"
_SESSION_ID = re.compile(r"(web|api)-([0-9]{1,18})")


@dataclass(frozen=True)
class SessionInfo:
    id: str
    kind: str  # "web" (the pages) or "api" (an app signed in with the sign-in API)
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    address: str | None
    current: bool


def _agent(text: str) -> str:
    return " ".join(str(text or "").split())[:200]


def start_web_session(
    user: User, *, clock: Clock, user_agent: str = "", address: str | None = None
) -> int:
    now = clock()
    # Tidy up: the user's page sessions that ended by time.
    WebSession.objects.filter(user=user, last_seen_at__lt=now - IDLE_LIMIT - TOUCH_EVERY).delete()
    row = WebSession.objects.create(
        user=user,
        epoch=user.session_epoch,
        created_at=now,
        last_seen_at=now,
        user_agent=_agent(user_agent),
        address=address or None,
    )
    return row.pk


def keep_web_session(session_id: Any, user: User) -> None:
    """The user's sessions were just ended from this one: this one stays (its new epoch)."""
    if isinstance(session_id, int):
        WebSession.objects.filter(pk=session_id, user=user).update(epoch=user.session_epoch)


def forget_web_session(session_id: Any, user: User) -> None:
    """The session signed out: it leaves the user's list."""
    if isinstance(session_id, int):
        WebSession.objects.filter(pk=session_id, user=user).delete()


def web_session_alive(session_id: Any, user: User, *, clock: Clock, touch: bool) -> bool:
    if not isinstance(session_id, int):
        return False
    rows = WebSession.objects.filter(pk=session_id, user=user, epoch=user.session_epoch)
    if touch:
        return rows.update(last_seen_at=clock()) == 1
    return rows.exists()


def used_lately(session_id: Any, user: User, *, clock: Clock) -> bool:
    if not isinstance(session_id, int):
        return False
    return WebSession.objects.filter(
        pk=session_id,
        user=user,
        epoch=user.session_epoch,
        last_seen_at__gte=clock() - IDLE_LIMIT,
    ).exists()


def list_sessions(user: User, *, clock: Clock, current: str | None = None) -> list[SessionInfo]:
    now = clock()
    idle = now - IDLE_LIMIT - TOUCH_EVERY  # "last seen" is written at most once a minute
    found = [
        SessionInfo(
            f"{WEB}-{row.pk}",
            WEB,
            row.created_at,
            row.last_seen_at,
            row.user_agent,
            row.address,
            f"{WEB}-{row.pk}" == current,
        )
        for row in WebSession.objects.filter(
            user=user,
            epoch=user.session_epoch,
            last_seen_at__gte=idle,
            created_at__gt=now - SESSION_LIMIT,
        )
    ]
    for token in AccessToken.objects.filter(
        user=user, epoch=user.session_epoch, expires_at__gt=now, created_at__gt=now - SESSION_LIMIT
    ):
        seen = token.last_seen_at or token.created_at
        if now - seen > IDLE_LIMIT:
            continue
        name = f"{API}-{token.pk}"
        found.append(
            SessionInfo(
                name, API, token.created_at, seen, token.user_agent, token.address, name == current
            )
        )
    return sorted(found, key=lambda s: (s.last_seen_at, s.id), reverse=True)


def end_session(user: User, session_id: str, *, clock: Clock, address: str | None = None) -> bool:
    match = _SESSION_ID.fullmatch(str(session_id))
    if match is None:
        return False
    kind, number = match.groups()
    rows = (WebSession if kind == WEB else AccessToken).objects.filter(pk=int(number), user=user)
    ended: bool = rows.delete()[0] == 1
    if ended:
        record(
            Events.SIGNED_OUT,
            clock=clock,
            actor=user,
            subject=user,
            address=address,
            via="session list",
            session=f"{kind}-{number}",
        )
    return ended
