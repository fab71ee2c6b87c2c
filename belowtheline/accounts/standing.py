"""A new account's unconfirmed address, as a standing rule of the reader's side: the
comment box (and `GET …/me`'s `refusal`) says why before the reader types, as it does for
a ban. The rule that refuses the post itself is `services.check_email_confirmed`, asked by
the discussion services; this only tells the reader in advance.

Registered into `discussion.hooks` from `AccountsConfig.ready()`, as moderation registers
its bans: discussion never imports this module."""

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from belowtheline.accounts.models import User
    from belowtheline.discussion.hooks import Verdict
    from belowtheline.sites.models import Site

MESSAGE = ("Please confirm your email address first: follow the link we emailed you (your "
           "profile page can send it again).")


def address_not_confirmed(site: "Site", user: "User", now: datetime) -> "Verdict | None":
    from belowtheline.discussion.hooks import Outcome, Verdict  # noqa: PLC0415

    if getattr(user, "email_pending_verification", False):
        return Verdict(Outcome.REFUSE, "email_not_confirmed", MESSAGE)
    return None


def register() -> None:
    from belowtheline.discussion import hooks  # noqa: PLC0415

    hooks.register_standing_rule(address_not_confirmed)
