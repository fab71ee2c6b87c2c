"""A file that cannot be restored exactly stops with a message naming the line (or the
reason) and restores nothing; a site that already holds data is refused."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from belowtheline.discussion import services
from belowtheline.discussion.models import Comment
from belowtheline.imports.errors import ImportRefused
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry
from belowtheline.portability.format import FORMAT_VERSION
from belowtheline.portability.models import SiteTransfer
from belowtheline.sites.models import Site
from tests.portability.helpers import export_to, restore


@pytest.fixture
def exported(tmp_path, site, article, subscriber, other_subscriber, reader, moderator):
    """A small site with a thread, a reply, a report and a decision, exported as text."""
    first = services.post_comment(site=site, article=article, author=subscriber,
                                  text="A comment.")
    services.post_comment(site=site, article=article, author=other_subscriber,
                          text="A reply.", parent=first)
    services.report_comment(site=site, comment_id=first.pk, reporter=reader, reason="spam")
    moderation.remove_comment(site=site, actor=moderator, comment_id=first.pk, rule=1)
    return export_to(site.slug, tmp_path / "site.jsonl")


def lines_of(path):
    return path.read_bytes().splitlines(keepends=True)


def refused(path, slug="restored") -> str:
    comments, entries = Comment.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ImportRefused) as caught:
        restore(path, slug)
    assert not Site.objects.filter(slug=slug).exists()
    assert Comment.objects.count() == comments
    assert AuditEntry.objects.count() == entries
    assert not SiteTransfer.objects.filter(kind="restore").exists()
    return caught.value.message


def rewritten(path, tmp_path, change) -> object:
    lines = lines_of(path)
    change(lines)
    out = tmp_path / "changed.jsonl"
    out.write_bytes(b"".join(lines))
    return out


def test_a_truncated_file_is_refused_and_restores_nothing(exported, tmp_path):
    cut = rewritten(exported, tmp_path, lambda lines: lines.pop())
    assert "cut short" in refused(cut)
    midway = tmp_path / "midway.jsonl"
    data = exported.read_bytes()
    midway.write_bytes(data[:len(data) // 2])
    message = refused(midway)
    assert "line" in message


def test_a_truncated_gzip_file_is_refused(exported, tmp_path):
    packed = gzip.compress(exported.read_bytes())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[:len(packed) - 40])
    assert "cut short" in refused(path)


def test_a_malformed_line_is_named(exported, tmp_path):
    def damage(lines):
        lines[5] = b'{"type": "comment", "id": 1, "text": "unterminated\n'
    message = refused(rewritten(exported, tmp_path, damage))
    assert message.startswith("line 6: not a JSON record")


def test_a_bad_value_is_named_with_its_line_and_field(exported, tmp_path):
    def damage(lines):
        for i, line in enumerate(lines):
            record = json.loads(line)
            if record.get("type") == "comment":
                record["status"] = "vanished"
                lines[i] = json.dumps(record).encode() + b"\n"
                return
    message = refused(rewritten(exported, tmp_path, damage))
    assert "'status' is not one of" in message
    assert message.startswith("line ")


def test_a_newer_format_version_is_refused_saying_which(exported, tmp_path):
    def newer(lines):
        header = json.loads(lines[0])
        header["version"] = FORMAT_VERSION + 1
        lines[0] = json.dumps(header).encode() + b"\n"
    message = refused(rewritten(exported, tmp_path, newer))
    assert f"format version {FORMAT_VERSION + 1}" in message
    assert "line 1" in message


def test_a_file_that_is_not_an_export_is_refused(db, tmp_path):
    for name, content in [("notes.txt", b"hello\n"), ("empty.jsonl", b""),
                          ("other.json", b'{"format": "something-else"}\n'),
                          ("binary.bin", bytes(range(256)))]:
        path = tmp_path / name
        path.write_bytes(content)
        assert refused(path)


def test_a_reference_to_a_record_not_in_the_file_is_refused(exported, tmp_path):
    def orphan(lines):
        for i, line in enumerate(lines):
            record = json.loads(line)
            if record.get("type") == "recommendation" or record.get("type") == "report":
                record["comment"] = 999999
                lines[i] = json.dumps(record).encode() + b"\n"
                return
    assert "999999" in refused(rewritten(exported, tmp_path, orphan))


def test_a_duplicated_record_is_refused(exported, tmp_path):
    def twice(lines):
        for i, line in enumerate(lines):
            if json.loads(line).get("type") == "comment":
                lines.insert(i, line)
                return
    message = refused(rewritten(exported, tmp_path, twice))
    assert "comment" in message


def test_a_site_that_holds_data_is_refused(exported, site):
    before = Comment.objects.filter(site=site).count()
    with pytest.raises(ImportRefused) as caught:
        restore(exported, site.slug)
    assert "already holds comments" in caught.value.message
    assert Comment.objects.filter(site=site).count() == before


def test_the_command_exits_non_zero_with_the_message_and_zero_on_success(exported):
    with pytest.raises(CommandError) as caught:
        call_command("import", "btl", str(exported), "--site", "gazette", "--no-progress")
    assert "already holds comments" in str(caught.value)
    out = StringIO()
    call_command("import", "btl", str(exported), "--site", "copy", "--no-progress", stdout=out)
    assert "restored site 'copy'" in out.getvalue()
    assert Comment.objects.filter(site__slug="copy").count() == 2
