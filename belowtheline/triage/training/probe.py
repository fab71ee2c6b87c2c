"""Speed and memory of the worker's scoring path alone, in a fresh process (so the
evaluation's own data does not count): prints one JSON line. Run by `evaluate`."""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np

from belowtheline.triage.training import data


def main() -> int:
    from belowtheline.triage.batch import BatchScorer
    from belowtheline.triage.scoring import CommentInput

    fox = data.fox()
    start = time.perf_counter()
    scorer = BatchScorer()
    scorer.score(CommentInput(text="Warming up the encoder.", article_title="A headline"))
    load = time.perf_counter() - start
    times = []
    for i in range(0, len(fox.texts), 3):
        title, meta = fox.articles[fox.article[i]]
        item = CommentInput(text=fox.texts[i], article_title=title, article_meta=meta,
                            parent_text=fox.prev[i])
        begin = time.perf_counter()
        scorer.score(item)
        times.append((time.perf_counter() - begin) * 1000)
        scorer.scorers[0].enc._cache.clear()  # every comment, parent and article cold
    print(json.dumps({
        "n": len(times), "p50": float(np.percentile(times, 50)),
        "p99": float(np.percentile(times, 99)), "load": load,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
