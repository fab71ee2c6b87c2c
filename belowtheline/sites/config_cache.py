"""What a site's rules decide, read once per change instead of once per request.

Every post asks whether its author is banned, suspended or on pre-moderation, which cover
is in force and which rules are current; every thread read asks the last two. Those answers
change only when staff change something, so they are kept in this process's memory under
the key `(site.pk, site.config_version, what)`.

Why the key is exact without any messaging between processes: the site row is read afresh
on every request (by slug), and `config_changed` moves `config_version` in the same
transaction as every change to what is cached here (site settings, cover periods and
exceptions, published rules versions, sanctions). A process that reads the new row looks
up a new key and loads the new answer; nobody can read the new row with the old answer.
No Redis is needed for this, and a Redis outage cannot affect it.

Entries for old versions are simply never asked for again, and fall out of the bounded LRU.
`config_changed` also drops this process's entries for the site at once (and again after
commit), so that code still holding an older `Site` instance — a long request, a test
calling services one after another — sees the change too.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

from django.db import transaction
from django.db.models import F

if TYPE_CHECKING:
    from belowtheline.sites.models import Site

T = TypeVar("T")

# Sites × (rules, cover) plus two entries per author seen posting (sanctions, acceptance):
# a hot story has a few thousand authors, and each entry is small.
MAX_ENTRIES = 16384

_entries: OrderedDict[tuple[int, int, object, Hashable], object] = OrderedDict()
_lock = threading.Lock()


def site_cached(
    site: "Site", what: Hashable, load: Callable[[], T], *, keep: Callable[[T], bool] | None = None
) -> T:
    """`load()`'s answer for this site's current configuration, computed once per process.

    The answer is shared by every thread of the process: treat it as read-only. With `keep`,
    only answers it approves are remembered: for facts that become true and then stay true
    (a reader's acceptance of one rules version), a "no" must be asked again next time.
    """
    # created_at too: a deleted site's id may be given to a new site, at version 0 again.
    key = (site.pk, site.config_version, site.created_at, what)
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            return _entries[key]  # type: ignore[return-value]
    value = load()  # outside the lock: a slow load must not stall every other site's reads
    if keep is not None and not keep(value):
        return value
    with _lock:
        _entries[key] = value
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def forget_site(site_id: int) -> None:
    """Drop this process's entries for the site (every version)."""
    with _lock:
        for key in [key for key in _entries if key[0] == site_id]:
            del _entries[key]


def forget_all() -> None:
    with _lock:
        _entries.clear()


def config_changed(*, site_id: int) -> int:
    """Call in the transaction that changes what the site's rules decide; returns the new
    version. The F() update makes concurrent changes each move the version; the update also
    takes the site row's write lock until commit, so two changes never share a version."""
    from belowtheline.sites.models import Site

    Site.objects.filter(pk=site_id).update(config_version=F("config_version") + 1)
    forget_site(site_id)
    transaction.on_commit(lambda: forget_site(site_id))
    return Site.objects.filter(pk=site_id).values_list("config_version", flat=True).get()
