"""`btl export` and `btl import btl` as an operator uses them: the file, its header and end
line, what it leaves out, and restores beside other sites (new ids, renamed accounts,
links that follow) or into a site made empty in the admin."""

import gzip
import json
import re
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from belowtheline.accounts.models import Notification, StaffRole, User
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry
from belowtheline.portability.export import export_lines
from belowtheline.portability.format import FORMAT_NAME, FORMAT_VERSION, record_types
from belowtheline.portability.models import SiteTransfer
from belowtheline.sites.models import CoverPeriod, Site
from belowtheline.sites.services import seed_default_cover
from tests.portability.helpers import export_to, restore
from tests.sites.factories import SiteFactory


@pytest.fixture
def busy_site(site, article, subscriber, other_subscriber, reader, moderator):
    first = services.post_comment(site=site, article=article, author=subscriber,
                                  text="The bridge is late and over budget.")
    reply = services.post_comment(site=site, article=article, author=other_subscriber,
                                  text="It always was going to be.", parent=first)
    services.recommend_comment(site=site, comment_id=first.pk, user=other_subscriber)
    services.report_comment(site=site, comment_id=reply.pk, reporter=reader, reason="abusive")
    moderation.remove_comment(site=site, actor=moderator, comment_id=reply.pk, rule=1,
                              reason="Name-calling")
    return site


def records(path):
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        return [json.loads(line) for line in f]


def test_the_command_writes_a_versioned_file_with_an_end_line(busy_site, tmp_path):
    out = StringIO()
    path = tmp_path / "gazette.jsonl.gz"
    call_command("export", "--site", "gazette", str(path), "--no-progress", stdout=out)
    assert "exported gazette:" in out.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # readers' email addresses inside
    lines = records(path)
    header, end = lines[0], lines[-1]
    assert header["format"] == FORMAT_NAME
    assert header["version"] == FORMAT_VERSION
    assert header["site"] == "gazette"
    assert end == {"type": "end", "records": len(lines) - 2}
    kinds = [line["type"] for line in lines[1:-1]]
    order = [t.name for t in record_types()]
    assert kinds == sorted(kinds, key=order.index)  # each kind together, in order
    for t in record_types():
        assert header["records"][t.name]["count"] == kinds.count(t.name)
    assert kinds.count("comment") == 2
    assert SiteTransfer.objects.get(kind="export").actor_name == "command line"


def test_password_hashes_only_on_request_and_never_the_superuser_flag(busy_site, tmp_path):
    User.objects.filter(username="sam").update(is_superuser=True)
    plain = records(export_to("gazette", tmp_path / "plain.jsonl"))
    users = [r for r in plain if r["type"] == "user"]
    assert users
    assert all("password" not in u and "is_superuser" not in u for u in users)
    with_hashes = records(export_to("gazette", tmp_path / "hashes.jsonl", password_hashes=True))
    assert all(u["password"] for u in with_hashes if u["type"] == "user")
    restore(tmp_path / "hashes.jsonl", "copy")
    copy = User.objects.get(username="sam-restored")
    assert not copy.is_superuser
    assert copy.check_password("correct-horse-battery-staple")
    restore(tmp_path / "plain.jsonl", "copy2")
    assert not User.objects.get(username="sam-restored2").has_usable_password()


def test_only_the_sites_own_records_are_exported(busy_site, other_site, tmp_path):
    other_article = Article.objects.create(site=other_site, canonical_url="https://e.x/1",
                                           title="Elsewhere")
    stranger = User.objects.create(username="stranger")
    lines = records(export_to("gazette", tmp_path / "g.jsonl"))
    assert not [r for r in lines if r["type"] == "article" and r["id"] == other_article.pk]
    assert stranger.pk not in {r["id"] for r in lines if r["type"] == "user"}
    assert {r["site"] for r in lines[1:] if "site" in r} == {busy_site.pk}


def test_a_restore_beside_other_sites_moves_ids_and_keeps_every_reference(busy_site,
                                                                          tmp_path):
    path = export_to("gazette", tmp_path / "g.jsonl")
    summary = restore(path, "gazette-copy")
    assert "comment" in summary.moved_ids
    assert ("sam", "sam-restored") in summary.renamed
    copy = Site.objects.get(slug="gazette-copy")
    original_comments = list(Comment.objects.filter(site=busy_site).order_by("pk"))
    copied = list(Comment.objects.filter(site=copy).order_by("pk"))
    assert [c.text for c in copied] == [c.text for c in original_comments]
    assert [c.status for c in copied] == [c.status for c in original_comments]
    # The reply still hangs from the copied parent, written by the copied author.
    assert copied[1].parent_id == copied[0].pk
    assert copied[1].author.username == "olive-restored"
    assert copied[0].recommendation_count == 1
    # The audit trail names the copied moderator and the copied comment.
    entry = AuditEntry.objects.get(site=copy)
    assert entry.actor.username == "mona_k-restored"
    assert entry.comment_id == copied[1].pk
    assert entry.actor_name == AuditEntry.objects.get(site=busy_site).actor_name
    # The removed author's notification links to the copied thread and comment.
    link = Notification.objects.get(site=copy, user__username="olive-restored").link
    article = Article.objects.get(site=copy)
    assert link == f"/sites/gazette-copy/threads/{article.pk}/#comment-{copied[1].pk}"
    page = Client().get(reverse("thread", args=["gazette-copy", article.pk])).content.decode()
    assert "The bridge is late and over budget." in page
    assert "It always was going to be." not in page
    assert StaffRole.objects.get(site=copy).user.username == "mona_k-restored"


def test_a_site_made_empty_in_the_admin_takes_the_exports_settings(busy_site, tmp_path):
    busy_site.name = "The Gazette, as exported"
    busy_site.save()
    CoverPeriod.objects.filter(site=busy_site).delete()
    seed_default_cover(site=busy_site)
    exported_cover = CoverPeriod.objects.filter(site=busy_site).count()
    path = export_to("gazette", tmp_path / "g.jsonl")
    target = SiteFactory(slug="new-home", name="Placeholder")
    seed_default_cover(site=target)
    CoverPeriod.objects.create(site=target, weekday=6, starts="10:00", ends="11:00")
    admin = User.objects.create(username="new-home-admin")
    StaffRole.objects.create(site=target, user=admin, role="admin")
    restore(path, "new-home")
    target.refresh_from_db()
    assert target.name == "The Gazette, as exported"
    assert CoverPeriod.objects.filter(site=target).count() == exported_cover
    assert StaffRole.objects.filter(site=target, user=admin, role="admin").exists()
    assert Comment.objects.filter(site=target).count() == 2


def test_an_unknown_site_or_an_unwritable_file_is_a_clear_error(busy_site, tmp_path):
    with pytest.raises(CommandError, match="there is no site 'nowhere'"):
        call_command("export", "--site", "nowhere", str(tmp_path / "x.jsonl"))
    with pytest.raises(CommandError, match="is a directory"):
        call_command("export", "--site", "gazette", str(tmp_path), "--no-progress")


def test_the_export_streams_its_header_before_reading_the_records(busy_site):
    lines = export_lines(busy_site)
    header = json.loads(next(lines))
    assert header["records"]["comment"]["count"] == 2
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds[-1] == "end"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*\+00:00", header["exported_at"])


def test_export_and_restore_report_progress_in_plain_lines_off_a_terminal(busy_site,
                                                                          tmp_path):
    from belowtheline.imports.progress import Progress
    from belowtheline.portability.export import write_export
    from belowtheline.portability.restore import import_site

    written = StringIO()
    with Progress("exporting", unit="records", stream=written, interval=0) as progress:
        write_export(busy_site, tmp_path / "g.jsonl", progress=progress)
    total = len((tmp_path / "g.jsonl").read_bytes().splitlines()) - 2
    assert f"exporting: {total:,} of {total:,} records" in written.getvalue()
    read = StringIO()
    with Progress("restoring", stream=read, interval=0) as progress:
        import_site(tmp_path / "g.jsonl", site_slug="copy", progress=progress)
    assert f"restoring: {total:,} of {total:,} records" in read.getvalue()
