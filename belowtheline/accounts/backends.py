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

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from belowtheline import rows
from belowtheline.accounts.models import User

PATH = "belowtheline.accounts.backends.AccountBackend"
DJANGOS = "django.contrib.auth.backends.ModelBackend"


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = rows.one(User, f"{connection.ops.quote_name(User._meta.pk.column)} = %s",
                        [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None
