"""Signed-in sessions read from Redis, kept in the database, when Redis is configured.

Every signed-in page starts by reading its session; on PostgreSQL that was a query
compiled by the ORM on every request of every moderator. With Redis configured
(`REDIS_URL`) `settings.SESSION_ENGINE` is this module: Django's `cached_db` engine, which
reads the session from the shared cache and falls back to the database (where every
session is still written, so nothing is lost when Redis is emptied or restarted). Without
Redis the engine stays the database's: a per-process memory cache would let a session
signed out on one worker go on working on the others.

Who the session belongs to is still decided on every request from the database: Django
reads the account (active or not, its password) by the id in the session and checks the
session's hash against it, and the dashboard reads the person's role on the site, so a
deactivated account, a changed password or a removed role takes effect at once however
the session was read.

One change to `cached_db`: signing out (and the old key dropped when a key is cycled at
sign-in) forgets the session in the cache *before* the database. Django does it the other
way round, so a Redis that fails at that moment would leave the signed-out session in the
cache, where it would be found again once Redis answered; this way the failure is the
request's error and nothing is deleted, and the person signs out again.
"""

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore


class SessionStore(cached_db.SessionStore):
    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._cache.delete(self.cache_key_prefix + session_key)  # raises if Redis fails
        DatabaseStore.delete(self, session_key)

    async def adelete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        await self._cache.adelete(self.cache_key_prefix + session_key)
        await DatabaseStore.adelete(self, session_key)
