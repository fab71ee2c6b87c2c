"""Who a session belongs to: Django's ModelBackend, reading the account with SQL written
once.

Every signed-in request asks the backend for the account by the id in its session, and
ModelBackend asks the ORM, which spent more time compiling that lookup by key than the
database took to answer it (a fifth of a moderator's served queue page). This backend
(`settings.AUTHENTICATION_BACKENDS`) is ModelBackend in every other respect: the same
password check at sign-in, the same permissions, and the same rule for a session's
account, read afresh on every request: it must exist and be allowed to sign in (active),
and Django then checks the session's hash against its password. Sessions signed in
before it, which name ModelBackend, are read as naming this one
(`accounts.sessions.SessionStore.load`).
"""

import threading
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.signals import request_finished, request_started
from django.db import connection

from belowtheline import rows
from belowtheline.accounts.models import User

PATH = "belowtheline.accounts.backends.AccountBackend"
DJANGOS = "django.contrib.auth.backends.ModelBackend"


# The accounts this thread's request has read with other rows (the moderation desk reads
# the moderator's account with their role), by id; None for an id with no account.
# Cleared when a request starts and ends.
_this_request = threading.local()


def _request_started(**kwargs: object) -> None:
    _this_request.accounts = {}


def _request_finished(**kwargs: object) -> None:
    _this_request.accounts = None


request_started.connect(_request_started, dispatch_uid="btl-accounts-backend-started")
request_finished.connect(_request_finished, dispatch_uid="btl-accounts-backend-finished")


def remember_account(user_id: object, user: User | None) -> None:
    """Say that this request has just read the account with this id: the backend answers
    with it (by the same rules) once, for the session that names it."""
    seen = getattr(_this_request, "accounts", None)
    if seen is not None:
        seen[user_id] = user


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        seen = getattr(_this_request, "accounts", None)
        if seen is not None and user_id in seen:
            user = seen.pop(user_id)  # read once: a later lookup reads again
        else:
            user = rows.one(User, f"{connection.ops.quote_name(User._meta.pk.column)} = %s",
                            [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None
