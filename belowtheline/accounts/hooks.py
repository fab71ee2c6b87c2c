"""Where apps above `accounts` hear about changes to a person, without accounts importing them.

A commenter's name is printed in every cached rendering of every thread they wrote in, so
`discussion` registers here (in its `AppConfig.ready()`) to move those threads' versions
when a publisher's token renames a reader.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from belowtheline.accounts.models import User
    from belowtheline.sites.models import Site

NameChangedHook = Callable[..., None]  # (*, site: Site, user: User) -> None

_name_changed_hooks: list[NameChangedHook] = []


def register_on_public_name_changed(hook: NameChangedHook) -> NameChangedHook:
    if hook not in _name_changed_hooks:
        _name_changed_hooks.append(hook)
    return hook


def public_name_changed(*, site: "Site", user: "User") -> None:
    """Run inside the transaction that renamed `user`, so what listeners write commits with it."""
    for hook in _name_changed_hooks:
        hook(site=site, user=user)
