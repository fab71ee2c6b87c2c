"""The shape of a benchmark thread, shared by our loader and Isso's seeding.

Free of Django on purpose: Isso is seeded from a thread while Django sets itself up in the
main one, and importing models from two threads at once can deadlock the app registry.
"""

import functools
import random

REPLY_PARENTS = 10  # a reply answers one of the ten most recent top-level comments


def thread_shape(size: int, seed: int = 7) -> list[int | None]:
    """For comment n of a thread, the index of the comment it answers (None: top-level).

    A third are replies, each to one of the most recent top-level comments: the same shape
    is posted to Isso, so both systems serve the same first page.
    """
    rng = random.Random(seed + size)
    parents: list[int | None] = []
    tops: list[int] = []
    for n in range(size):
        if n % 3 == 2 and tops:
            parents.append(rng.choice(tops[-REPLY_PARENTS:]))
        else:
            parents.append(None)
            tops.append(n)
    return parents


@functools.cache  # a million rows reuse a few thousand texts
def comment_text(n: int) -> str:
    return f"Comment {n} " + "words " * 30


def author_name(n: int) -> str:
    return f"Reader {n}"
