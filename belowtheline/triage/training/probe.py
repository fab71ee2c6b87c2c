"""Speed (wall clock, and CPU time, which other work on the machine does not inflate) and
memory of the worker's scoring path alone, in a fresh process (so the
evaluation's own data does not count): prints one JSON line. Run by `evaluate`."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from belowtheline.triage.training import data


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: ru_maxrss survives exec,
    so a child of the large evaluation process would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    from belowtheline.triage.batch import BatchScorer
    from belowtheline.triage.scoring import CommentInput

    fox = data.fox()
    start = time.perf_counter()
    scorer = BatchScorer()
    scorer.score(CommentInput(text="Warming up the encoder.", article_title="A headline"))
    load = time.perf_counter() - start
    enc = scorer.scorers[0].enc
    typical, cold, cpu = [], [], []
    for i in range(0, len(fox.texts), 3):
        title, meta = fox.articles[fox.article[i]]
        item = CommentInput(text=fox.texts[i], article_title=title, article_meta=meta,
                            parent_text=fox.prev[i])
        for times, warm_article in ((typical, True), (cold, False)):
            enc.forget()
            if warm_article:  # a worker has seen the article: its thread's earlier comments
                enc.article_layers(". ".join(p for p in (title, meta) if p))
            begin, begin_cpu = time.perf_counter(), time.process_time()
            scorer.score(item)
            times.append((time.perf_counter() - begin) * 1000)
            if warm_article:
                cpu.append((time.process_time() - begin_cpu) * 1000)
    print(json.dumps({
        "n": len(typical), "p50": float(np.percentile(typical, 50)),
        "p99": float(np.percentile(typical, 99)), "cold_p50": float(np.percentile(cold, 50)),
        "cold_p99": float(np.percentile(cold, 99)), "load": load,
        "cpu_p50": float(np.percentile(cpu, 50)), "cpu_p99": float(np.percentile(cpu, 99)),
        "rss_mb": peak_rss_mb(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
