"""`btl serve` as production runs it: several worker processes that answer, and a clean stop.

Started as a subprocess on a free port, with its own empty var dir (the pages asked for
need no database), and stopped with SIGTERM as a service manager would.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {**os.environ, "BTL_VAR_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("BTL_STATIC_MANIFEST", None)
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "belowtheline.cli", "serve", "--port", str(port),
         "--workers", "2", "--threads", "2", "--no-collectstatic"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            _get(f"{base}/api/v1/openapi.json")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.seek(0)
                pytest.fail(f"btl serve did not answer:\n{log.read()}")
            time.sleep(0.3)
    yield process, base, log
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_answers_from_several_workers_and_stops_cleanly_on_sigterm(server):
    process, base, log = server
    workers = [pid for pid in _children(process.pid)
               if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(workers) == 2

    status, headers, body = _get(f"{base}/api/v1/openapi.json", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("content-encoding") == "gzip"  # dynamic bodies are compressed
    status, headers, _ = _get(f"{base}/static/discussion/btl.js")
    assert status == 200

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)]  # no orphaned worker
    log.seek(0)
    said = log.read()
    assert "2 granian worker process(es)" in said
    assert "Below the Line stopped." in said


def test_a_manifest_asked_for_but_never_collected_stops_start_up(settings, tmp_path, db):
    settings.BTL_STATIC_MANIFEST = True
    settings.STATIC_ROOT = tmp_path
    with pytest.raises(SystemCheckError, match="btl.E010"):
        call_command("check")


def test_static_files_are_collected_hashed_and_compressed_once(settings, tmp_path):
    import json

    from belowtheline.management.commands.serve import _collect_static

    settings.STATIC_ROOT = tmp_path
    assert _collect_static() is True
    hashed = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]["discussion/btl.js"]
    assert hashed != "discussion/btl.js"
    for suffix in ("", ".gz", ".br"):
        assert (tmp_path / f"{hashed}{suffix}").exists()
    assert not (tmp_path / "discussion" / "btl.js").exists()  # only hashed names are kept
    assert _collect_static() is False  # nothing changed: the next start skips the work
