"""The export's promise: a site exported and restored into an empty install is the same
site — every thread as a reader sees it, every count, the moderation queue and the audit
trail — and its pages show the restored data at once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from belowtheline.accounts.models import ExternalIdentity, User
from belowtheline.demo.loader import load_demo
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry, AuditTrailIsAppendOnly
from belowtheline.portability.models import SiteTransfer
from belowtheline.sites.models import Site
from belowtheline.triage.models import (
    CommentScore,
    LegalProceedings,
    SiteWord,
    TriageFlag,
    TriageSettings,
    TriageThreshold,
)
from tests.portability.helpers import (
    empty_the_install,
    export_to,
    restore,
    what_people_see,
)

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
AWKWARD = "Ça va? 🙂 שלום עולם e\u0301 C:\\path\\to\\file <b>not bold</b> &amp; \"quotes\""


def add_what_the_demo_lacks(site: Site) -> None:
    """Edits, a deleted parent with a reply under its tombstone, a reply to a reply, a
    disagreement, awkward text, a reader known by a publisher's token, and triage's
    settings, scores and an open flag: every kind of record the format carries."""
    article = Article.objects.filter(site=site).order_by("pk").first()
    subscriber = User.objects.get(username="subscriber")
    reader = User.objects.get(username="reader")
    moderator = User.objects.get(username="moderator")
    other = User.objects.filter(subscriptions__site=site, rules_acceptances__site=site,
                                subscriptions__status="active").exclude(
        pk=subscriber.pk).order_by("pk").first()
    for person in (subscriber, other):
        services.accept_rules(site=site, user=person)
    parent = services.post_comment(site=site, article=article, author=subscriber,
                                   text="First thoughts, to be edited.")
    services.edit_own_comment(site=site, comment_id=parent.pk, author=subscriber,
                              text="Second thoughts. " + AWKWARD)
    reply = services.post_comment(site=site, article=article, author=other, text="A reply.",
                                  parent=parent)
    services.post_comment(site=site, article=article, author=subscriber,
                          text="A reply to the reply.", parent=reply)
    services.report_comment(site=site, comment_id=reply.pk, reporter=reader,
                            reason="disagree")
    doomed = services.post_comment(site=site, article=article, author=other,
                                   text="I will delete this.")
    services.post_comment(site=site, article=article, author=subscriber,
                          text="Replying before it goes.", parent=doomed)
    services.delete_own_comment(site=site, comment_id=doomed.pk, author=other)
    moderation.add_moderator_note(site=site, actor=moderator, user_id=other.pk,
                                  text="Keeps to the rules; watch the tone.")
    token_reader = User.objects.create(username="sso-demo-42", display_name="Token Reader")
    ExternalIdentity.objects.create(site=site, subject="42", user=token_reader,
                                    created_at=NOW, last_seen_at=NOW)
    settings = TriageSettings.objects.create(site=site, banned_words="hold")
    TriageThreshold.objects.create(site_settings=settings, scorer="abuse", flag_full_time=0.7,
                                   flag_part_time=0.6, flag_no_cover=0.5, hold_part_time=0.9,
                                   hold_no_cover=None)
    SiteWord.objects.create(site=site, word="scoundrel", kind="suspect")
    LegalProceedings.objects.create(article=article, site=site, people="A. Defendant")
    flagged = services.post_comment(site=site, article=article, author=other,
                                    text="The defendant is obviously guilty.")
    CommentScore.objects.create(site=site, comment=flagged, scorer="legal", version="v1",
                                score=0.8125, explanation="names a defendant", scored_at=NOW)
    TriageFlag.objects.create(site=site, comment=flagged, cover="full_time", priority=1812,
                              scorers="legal", score=0.8125, version="v1", flagged_at=NOW)


@pytest.mark.django_db(transaction=True)
def test_a_restored_site_is_the_site_that_was_exported(tmp_path):
    with time_machine.travel(NOW, tick=False):
        site = load_demo(now=NOW - timedelta(hours=1)).site
        add_what_the_demo_lacks(site)
        before = what_people_see("demo", moderator="moderator", now=NOW)
        path = export_to("demo", tmp_path / "demo.jsonl.gz")

        empty_the_install()
        assert not Site.objects.exists()
        assert not Comment.objects.exists()
        summary = restore(path, "demo")
        after = what_people_see("demo", moderator="moderator", now=NOW)

    assert summary.comments_total == before["counts"]["comment"]
    assert not summary.moved_ids
    assert not summary.renamed
    for part in ("articles", "comments", "audit", "counts", "queue_counts"):
        assert after[part] == before[part], part
    assert after["rows"] == before["rows"]
    for url, page in before["readers"].items():
        assert after["readers"][url] == page, url
    for url, page in before["moderators"].items():
        assert after["moderators"][url] == page, url
    # What the checks above cover, said plainly: threads with tombstones, awkward text,
    # a flag in the Flagged tab, the audit trail's removals.
    thread = "".join(after["readers"].values())
    assert "Second thoughts." in thread
    assert "Replying before it goes." in thread
    for piece in ("Ça va? 🙂 שלום עולם", "C:\\path\\to\\file", "&lt;b&gt;not bold&lt;/b&gt;"):
        assert piece in thread
    edited = Comment.objects.get(text__startswith="Second thoughts.")
    assert edited.edits.get().text_before == "First thoughts, to be edited."
    assert after["queue_counts"]["flagged"] == 1
    assert len(after["audit"]) >= 6
    assert SiteTransfer.objects.filter(kind="restore", site_slug="demo").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_restored_trail_is_still_append_only_and_new_work_carries_on(tmp_path):
    with time_machine.travel(NOW, tick=False):
        site = load_demo(now=NOW - timedelta(hours=1)).site
        path = export_to("demo", tmp_path / "demo.jsonl")
        empty_the_install()
        restore(path, "demo")
        site = Site.objects.get(slug="demo")
        entry = AuditEntry.objects.filter(site=site).first()
        entry.reason = "rewritten"
        with pytest.raises(AuditTrailIsAppendOnly):
            entry.save()
        with pytest.raises(AuditTrailIsAppendOnly):
            AuditEntry.objects.filter(site=site).delete()
        # New comments and decisions after the restore get new ids and show at once.
        article = Article.objects.filter(site=site).order_by("pk").first()
        count = article.comment_count
        highest = Comment.objects.order_by("-pk").values_list("pk", flat=True).first()
        subscriber = User.objects.get(username="subscriber")
        services.accept_rules(site=site, user=subscriber)
        fresh = services.post_comment(site=site, article=article, author=subscriber,
                                      text="Posted after the restore.")
        assert fresh.pk > highest
        article.refresh_from_db()
        assert article.comment_count == count + 1
        from django.test import Client
        from django.urls import reverse

        page = Client().get(reverse("thread", args=["demo", article.pk])).content.decode()
        assert "Posted after the restore." in page
