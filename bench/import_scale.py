"""Import a ~1 GB Disqus export and watch the importer's resident memory stay flat.

    flock /tmp/btl-bench.lock .venv/bin/python bench/import_scale.py [--size-mb 1024]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/importbench \
        flock /tmp/btl-bench.lock .venv/bin/python bench/import_scale.py --size-mb 1024

1. Writes an export of the shape real ones have (IMPORT_DIR, default /tmp/btl-import-scale,
   kept between runs for a given size): categories, then threads, then posts, indented as
   Disqus indents them; messages are HTML paragraphs with links, entities and the odd
   emoji, lengths drawn from a long-tailed distribution (most a few hundred characters,
   some thousands); thread sizes long-tailed too (most stories a handful of comments, a
   few thousands); about 40% replies, nested up to a dozen deep; a few percent deleted
   and spam; a few thousand regular commenters and many one-off guests, some without
   an email.
2. Runs `btl import disqus FILE --site bench` as a subprocess on a fresh database (a SQLite
   file under IMPORT_DIR unless DATABASE_URL is set) and samples its resident memory
   (VmRSS, and the peak VmHWM) every `--every` seconds, with the importer's own progress
   lines (reading, then publishing) beside them.
3. Prints the samples, the rate of each phase, the peak memory against the file size,
   and the importer's summary.

A benchmark that prints figures, not a test with a threshold: the machine is shared, so
compare runs side by side (e.g. `--size-mb 100` against `--size-mb 1024`: flat memory means
the same peak for both).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TEXT = ("the council said on Tuesday that a new bridge would cost more than planned and "
         "residents who live near the ring road have complained about traffic noise for "
         "years while others welcomed the decision because buses will run more often "
         "café naïve résumé £4m 50% don't won't it's")
WORDS = _TEXT.split()
EXTRAS = [" &amp; ", " &mdash; ", " &#8217;", " 👍", " 🙄", " שלום", " \\o/ ", " &lt;3 "]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 24))
    text = " ".join(words).capitalize()
    if rng.random() < 0.2:
        text += rng.choice(EXTRAS)
    return text + rng.choice([".", ".", ".", "?", "!"])


def _message(rng: random.Random) -> str:
    # Paragraph counts and sentence counts multiply into a long tail of lengths.
    paragraphs = min(int(rng.paretovariate(1.6)), 12)
    out = []
    for _ in range(paragraphs):
        body = " ".join(_sentence(rng) for _ in range(rng.randint(1, 5)))
        if rng.random() < 0.08:
            body += (f' See <a href="https://news.example/{rng.randint(1, 99999)}" '
                     'rel="nofollow noopener" target="_blank" title="link">this</a>.')
        if rng.random() < 0.05:
            body = f"<blockquote>{body}</blockquote>"
        out.append(f"<p>{body}</p>")
    return "".join(out)


def _thread_sizes(rng: random.Random):
    while True:
        yield min(int(rng.paretovariate(0.9)), 5000)


def write_export(path: Path, size_bytes: int, seed: int = 7) -> tuple[int, int]:
    """Write posts until the file reaches `size_bytes`; (threads, posts) written.

    Threads must come before posts, so post counts per thread are drawn first, the
    threads written to a side file, then both concatenated."""
    rng = random.Random(seed)
    posts_path = path.with_suffix(".posts")
    threads_path = path.with_suffix(".threads")
    regulars = [(f"Reader {i}", f"reader{i}", f"reader{i}@example.org") for i in range(4000)]
    threads = posts = 0
    written = 0
    sizes = _thread_sizes(rng)
    with posts_path.open("w", encoding="utf-8") as out_posts, \
            threads_path.open("w", encoding="utf-8") as out_threads:
        while written < size_bytes:
            tid = 1_000_000 + threads
            threads += 1
            thread = (f'  <thread dsq:id="{tid}">\n    <id>{tid}</id>\n'
                      f"    <forum>benchgazette</forum>\n"
                      f'    <category dsq:id="1"/>\n'
                      f"    <link>http://news.example/{2010 + threads % 12}/story-{tid}/</link>\n"
                      f"    <title>Story number {tid}</title>\n    <message/>\n"
                      f"    <createdAt>2015-01-01T00:00:00Z</createdAt>\n"
                      "    <author>\n      <email>desk@news.example</email>\n"
                      "      <name>News desk</name>\n      <isAnonymous>false</isAnonymous>\n"
                      "      <username>newsdesk</username>\n    </author>\n"
                      "    <ipAddress>10.0.0.1</ipAddress>\n"
                      "    <isClosed>false</isClosed>\n    <isDeleted>false</isDeleted>\n"
                      "  </thread>\n")
            out_threads.write(thread)
            written += len(thread)
            in_thread: list[tuple[int, int]] = []  # (post id, depth)
            for n in range(next(sizes)):
                pid = 50_000_000 + posts
                posts += 1
                parent = ""
                depth = 0
                if in_thread and rng.random() < 0.4:
                    parent_id, parent_depth = rng.choice(in_thread[-50:])
                    if parent_depth < 12:
                        parent = f'    <parent dsq:id="{parent_id}"/>\n'
                        depth = parent_depth + 1
                in_thread.append((pid, depth))
                if rng.random() < 0.7:
                    name, username, email = regulars[min(int(rng.paretovariate(1.1)),
                                                         len(regulars)) - 1]
                    author = (f"      <email>{email}</email>\n      <name>{name}</name>\n"
                              "      <isAnonymous>false</isAnonymous>\n"
                              f"      <username>{username}</username>\n")
                else:
                    guest = rng.randint(1, 10**7)
                    mail = f"      <email>g{guest}@example.net</email>\n" \
                        if rng.random() < 0.6 else ""
                    author = (f"{mail}      <name>Guest {guest}</name>\n"
                              "      <isAnonymous>true</isAnonymous>\n")
                roll = rng.random()
                minute = n % 60
                post = (f'  <post dsq:id="{pid}">\n    <id/>\n'
                        f"    <message><![CDATA[{_message(rng)}]]></message>\n"
                        f"    <createdAt>2015-01-{1 + n // 1440 % 28:02}T"
                        f"{n // 60 % 24:02}:{minute:02}:{rng.randint(0, 59):02}Z</createdAt>\n"
                        f"    <isDeleted>{'true' if roll < 0.03 else 'false'}</isDeleted>\n"
                        f"    <isSpam>{'true' if 0.03 <= roll < 0.05 else 'false'}</isSpam>\n"
                        f"    <author>\n{author}    </author>\n"
                        f"    <ipAddress>10.{pid % 255}.{n % 255}.1</ipAddress>\n"
                        f'    <thread dsq:id="{tid}"/>\n{parent}  </post>\n')
                out_posts.write(post)
                written += len(post)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n'
                  '<disqus xmlns="http://disqus.com" '
                  'xmlns:dsq="http://disqus.com/disqus-internals" '
                  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
                  '  <category dsq:id="1">\n    <forum>benchgazette</forum>\n'
                  "    <title>General</title>\n    <isDefault>true</isDefault>\n"
                  "  </category>\n")
        for part in (threads_path, posts_path):
            with part.open(encoding="utf-8") as handle:
                while chunk := handle.read(1 << 20):
                    out.write(chunk)
            part.unlink()
        out.write("</disqus>\n")
    return threads, posts


def _rss(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB; zeros once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return (int(fields.get("VmRSS", "0 kB").split()[0]),
            int(fields.get("VmHWM", "0 kB").split()[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    args = parser.parse_args()

    work = Path(os.environ.get("IMPORT_DIR", "/tmp/btl-import-scale"))
    work.mkdir(parents=True, exist_ok=True)
    export = work / f"disqus-{args.size_mb}mb.xml"
    if not export.exists():
        started = time.monotonic()
        threads, posts = write_export(export, args.size_mb * 1024 * 1024)
        print(f"wrote {export} ({export.stat().st_size / 2**20:,.0f} MiB): {threads:,} "
              f"threads, {posts:,} posts in {time.monotonic() - started:,.0f} s", flush=True)
    else:
        print(f"using {export} ({export.stat().st_size / 2**20:,.0f} MiB)", flush=True)

    env = dict(os.environ)
    env["BTL_VAR_DIR"] = str(work / "var")
    if "DATABASE_URL" not in env:
        db = work / "var" / "btl.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    btl = [sys.executable, "-m", "belowtheline.cli"]
    subprocess.run([*btl, "migrate", "-v0"], env=env, check=True)
    if "DATABASE_URL" in env:  # a fresh start on the given database
        subprocess.run([*btl, "flush", "--no-input"], env=env, check=True)
    subprocess.run([*btl, "shell", "-c",
                    "from belowtheline.sites.models import Site; "
                    "Site.objects.get_or_create(slug='bench', defaults=dict(name='Bench', "
                    "allowed_origins='https://news.example'))"], env=env, check=True,
                   capture_output=True)

    started = time.monotonic()
    process = subprocess.Popen([*btl, "import", "disqus", str(export), "--site", "bench"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    progress: list[str] = [""]

    def follow() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            progress[0] = line.strip()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    print(f"{'seconds':>8} {'RSS MiB':>8} {'peak MiB':>9}  progress", flush=True)
    peak = 0
    while process.poll() is None:
        rss, hwm = _rss(process.pid)
        peak = max(peak, hwm)
        print(f"{time.monotonic() - started:8.0f} {rss / 1024:8.1f} {hwm / 1024:9.1f}  "
              f"{progress[0]}", flush=True)
        time.sleep(args.every)
    out = process.stdout.read() if process.stdout else ""
    reader.join(timeout=5)
    elapsed = time.monotonic() - started
    print(f"\nexit status {process.returncode} after {elapsed:,.0f} s; "
          f"peak resident memory {peak / 1024:,.1f} MiB for a "
          f"{export.stat().st_size / 2**20:,.0f} MiB file; last progress: {progress[0]}")
    print(out)


if __name__ == "__main__":
    main()
