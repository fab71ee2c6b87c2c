"""Signed-in sessions, kept in the database, read with SQL written once.

Every signed-in page starts by reading its session, and Django's database engine reads it
with an ORM lookup compiled on every request: on the moderation desk that was a fifth of a
served page's CPU. This engine (`settings.SESSION_ENGINE`) is Django's database engine
with that one read written once as SQL (`rows.one`: the same row, the same instance, the
same expiry condition); everything else (saving, cycling the key at sign-in, signing out,
`clearsessions`) is Django's own. A session that names Django's ModelBackend is read as
naming `accounts.backends.AccountBackend`, its subclass that reads the account the same
way as this reads the session.

Why not a cache in front of the database (Django's `cached_db`): measured on the desk, a
Redis read through Django's cache costs as much CPU as this query (the client is built
anew for every call), and a cache adds a second copy of each session that must be
forgotten exactly when someone signs out, on every process. Read from the database, a
signed-out session is gone everywhere at once, with or without Redis.

Who the session belongs to is still decided on every request from the database: Django
reads the account (active or not, its password) by the id in the session and checks the
session's hash against it, and the dashboard reads the person's role on the site, so a
deactivated account, a changed password or a removed role takes effect at once.
"""

import threading
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.signals import request_finished, request_started
from django.db import connection
from django.utils import timezone

from belowtheline import rows
from belowtheline.accounts import backends

_EXPIRY = Session._meta.get_field("expire_date")

# The session rows this thread's request has read with other rows (the moderation desk
# reads the session with the site), by key; None for a key that was looked for and is not
# there (or has expired). Cleared when a request starts and ends.
_this_request = threading.local()


def _request_started(**kwargs: object) -> None:
    _this_request.sessions = {}


def _request_finished(**kwargs: object) -> None:
    _this_request.sessions = None


request_started.connect(_request_started, dispatch_uid="btl-sessions-request-started")
request_finished.connect(_request_finished, dispatch_uid="btl-sessions-request-finished")


def session_sql(alias: str, key_param: str, now_param: str) -> str:
    """The conditions on a session row of `alias` that `SessionStore` reads: its key, not
    expired (for a query that reads it with other rows, by a join)."""
    quote = connection.ops.quote_name
    key = quote(Session._meta.get_field("session_key").column)
    return f"{alias}.{key} = {key_param} AND {alias}.{quote(_EXPIRY.column)} > {now_param}"


def expiry_now() -> object:
    """Now, as the ORM would pass it to this database (naive UTC on SQLite)."""
    return _EXPIRY.get_db_prep_value(timezone.now(), connection, prepared=False)


def remember_session(session_key: str, found: Session | None) -> None:
    """Say that this request has just read the session by this key (None: there is none
    in force): `SessionStore` answers with it for the rest of the request."""
    seen = getattr(_this_request, "sessions", None)
    if seen is not None:
        seen[session_key] = found


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        data = super().load()
        # Signed in before `accounts.backends` (or by a view naming Django's backend): the
        # same rules, read the same way.
        if data.get(BACKEND_SESSION_KEY) == backends.DJANGOS:
            data[BACKEND_SESSION_KEY] = backends.PATH
        return data

    def _get_session_from_db(self) -> Session | None:
        found = None
        seen = getattr(_this_request, "sessions", None)
        if seen is not None and self.session_key in seen:
            found = seen.pop(self.session_key)  # read once: a later load reads again
        elif self.session_key is not None:
            found = rows.one(Session, "session_key = %s AND expire_date > %s",
                             [self.session_key, expiry_now()])
        if found is None:
            self._session_key = None  # as Django's: an unknown or expired key is dropped
        return found
