"""Renderings kept in this process's memory, bounded in bytes, least recently used out first.

Thread bodies (`discussion.thread_cache`'s first level), the queue's pages
(`moderation.queue_cache`) and a signed-in reader's comments (`discussion.fragments`) are
rendered once per change and kept here; what is kept is found
by a key that names the version it was made from, so nothing needs invalidating: an old
version's rendering is simply never asked for again and ages out."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

from django.utils.safestring import mark_safe

# Where a request's CSRF token goes in a kept rendering, put in on the way out: no escaped
# text can contain "<", so user text can never spell it.
CSRF_MARK = mark_safe("<btl-csrf>")


class Sized(Protocol):
    @property
    def size(self) -> int: ...


K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Sized)


class Memory(Generic[K, V]):
    """Renderings, bounded in bytes, least recently used out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.items: OrderedDict[K, V] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: K, item: V) -> None:
        if item.size > self.max_bytes:
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.items[key] = item
            self.size += item.size
            while self.size > self.max_bytes:
                _, dropped = self.items.popitem(last=False)
                self.size -= dropped.size

    def forget(self, which: Callable[[K], bool]) -> None:
        """Drop the renderings whose key `which` picks (a thread changed on this process:
        its copies are unreachable by key already, and need not wait to age out)."""
        with self.lock:
            for key in [k for k in self.items if which(k)]:
                self.size -= self.items.pop(key).size

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0
