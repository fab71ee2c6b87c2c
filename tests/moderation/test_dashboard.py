"""The dashboard's pages and forms: each one shows what the selectors say, calls its
service, redirects with a message on success and, when a rule says no, shows the page
again with the refusal and its status, having changed nothing."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Article, Comment, Report
from belowtheline.moderation import queue_cache, services
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory


def queue_url(site, **params) -> str:
    url = reverse("moderation_queue", args=[site.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def action_url(name, site, comment) -> str:
    return reverse(f"moderation_{name}", args=[site.slug, comment.pk])


def words(response) -> str:
    """The page's text as a reader sees it: tags out, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", text)


def rows(response) -> list[int]:
    """The comment ids of the queue's rows, in order."""
    return [int(n) for n in re.findall(r'<li id="row-(\d+)"', response.content.decode())]


@pytest.fixture
def many(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60",
                                "report": "100000/60"}


@pytest.fixture
def signed_in(client, moderator):
    client.force_login(moderator)
    return client


def post(site, article, author, text, **kwargs) -> Comment:
    return discussion.post_comment(site=site, article=article, author=author, text=text,
                                   **kwargs)


def report(site, comment, reporter, reason="abusive", note=""):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reporter,
                              reason=reason, note=note)


# --- the queues ---------------------------------------------------------------------------

def test_reported_tab_shows_reasons_counts_notes_and_puts_legal_risk_first(
    signed_in, site, article, subscriber, other_subscriber, readers, many
):
    abusive = post(site, article, subscriber, "You are all idiots.")
    legal = post(site, article, other_subscriber, "The mayor took a bribe, I am sure of it.")
    report(site, abusive, readers[0], "abusive", "Name-calling")
    report(site, abusive, readers[1], "abusive")
    report(site, legal, readers[2], "legal_risk", "Defamatory about the mayor")
    response = signed_in.get(queue_url(site))
    assert response.status_code == 200
    assert rows(response) == [legal.pk, abusive.pk]
    text = words(response)
    assert "Legal risk" in text
    assert "2 reports (weight 2.0) Abusive or hateful ×2" in text
    assert "Name-calling" in text
    assert "Defamatory about the mayor" in text
    assert "first 0 minutes ago" in text
    assert "Council approves new bridge" in text  # its article, linking to the thread
    thread = reverse("thread", args=[site.slug, article.pk])
    assert f'href="{thread}#comment-{legal.pk}"' in response.content.decode()
    assert "priority" in text


def test_each_row_shows_the_parent_and_the_authors_record(
    signed_in, site, article, subscriber, other_subscriber, reader, moderator
):
    parent = post(site, article, other_subscriber, "The bridge is a good idea.")
    reply = post(site, article, subscriber, "Rubbish, you fool.", parent=parent)
    report(site, reply, reader)
    services.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk,
                                text="Often rude")
    services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                             kind="premoderation", reason="Rudeness")
    text = words(signed_in.get(queue_url(site)))
    assert "In reply to Olive Other: The bridge is a good idea." in text
    assert "by Sam Subscriber sam 1 comment · 0 upheld against them" in text
    assert "Pre-moderation" in text
    assert "Often rude" in text


def test_held_tab_shows_held_comments_and_those_awaiting_approval(
    signed_in, site, article, subscriber, other_subscriber, moderator, editor
):
    held = post(site, article, subscriber, "Held for a look.")
    services.hold_comment(site=site, actor=moderator, comment_id=held.pk)
    services.set_comment_mode(site=site, actor=editor, article_id=article.pk,
                              mode="premoderated")
    article.refresh_from_db()
    waiting = post(site, article, other_subscriber, "Awaiting approval.")
    assert waiting.status == Comment.Status.PENDING
    published = post(site, ArticleFactory(site=site), other_subscriber, "Fine and visible.")
    response = signed_in.get(queue_url(site, tab="held"))
    assert set(rows(response)) == {held.pk, waiting.pk}
    assert published.pk not in rows(response)
    text = words(response)
    assert "Held" in text
    assert "Awaiting approval" in text
    assert "Release" in text
    assert "Approve" in text


def test_all_recent_shows_every_comment_newest_first(signed_in, site, article, subscriber,
                                                     many):
    first = post(site, article, subscriber, "First")
    second = post(site, article, subscriber, "Second")
    assert rows(signed_in.get(queue_url(site, tab="recent"))) == [second.pk, first.pk]


def test_decided_tab_lists_the_audit_trail(signed_in, site, reported, moderator):
    services.dismiss_reports(site=site, actor=moderator, comment_id=reported.pk,
                             reason="Fair comment")
    text = words(signed_in.get(queue_url(site, tab="decided")))
    assert "Reports dismissed" in text
    assert "mona_k" in text
    assert "Fair comment" in text
    assert f"#{reported.pk}" in text


def test_the_cover_in_force_is_shown_with_when_it_ends(signed_in, covered_site, reported):
    text = words(signed_in.get(queue_url(covered_site)))
    assert re.search(r"(Full-time|Part-time) cover until \w{3} \d{1,2} \w{3}, \d\d:\d\d", text)


def test_user_text_is_escaped(signed_in, site, article, subscriber, reader):
    comment = post(site, article, subscriber, "<script>alert('x')</script>")
    report(site, comment, reader, note="<b>bold</b>")
    page = signed_in.get(queue_url(site)).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "<b>bold</b>" not in page


# --- decisions ----------------------------------------------------------------------------

def test_removing_through_the_form_records_it_and_leaves_a_tombstone(
    signed_in, client, site, article, reported, moderator
):
    here = queue_url(site, tab="reported")
    response = signed_in.post(action_url("remove", site, reported),
                              {"rule": "1", "reason": "Personal attack", "seen_decision": "0",
                               "next": here})
    assert response.status_code == 303
    assert response["Location"] == here
    entry = AuditEntry.objects.get(comment=reported)
    assert (entry.action, entry.actor, entry.rule.number, entry.reason) == (
        "remove", moderator, 1, "Personal attack")
    assert entry.text_before == "The council is corrupt, everyone knows it."
    followed = signed_in.get(here)
    assert "removed, citing rule 1 (Be civil)" in words(followed)
    assert reported.pk not in rows(followed)

    client.logout()
    thread = client.get(reverse("thread", args=[site.slug, article.pk]))
    assert "Removed by a moderator — breaks rule 1" in words(thread)


def test_amending_through_the_form_shows_amended_on_the_thread(
    signed_in, client, site, article, reported
):
    response = signed_in.post(action_url("amend", site, reported), {
        "text": "The council has questions to answer.", "rule": "1",
        "reason": "Unsupported allegation", "seen_decision": "0"})
    assert response.status_code == 303
    entry = AuditEntry.objects.get(comment=reported)
    assert (entry.text_before, entry.text_after) == (
        "The council is corrupt, everyone knows it.", "The council has questions to answer.")
    client.logout()
    text = words(client.get(reverse("thread", args=[site.slug, article.pk])))
    assert "Amended by a moderator" in text
    assert "The council has questions to answer." in text
    assert "corrupt" not in text


def test_a_decision_made_meanwhile_by_someone_else_is_not_overwritten(
    signed_in, site, reported, second_moderator
):
    page = signed_in.get(queue_url(site)).content.decode()
    assert f'value="{reported.pk}:0"' in page  # what this moderator saw
    services.dismiss_reports(site=site, actor=second_moderator, comment_id=reported.pk)
    response = signed_in.post(action_url("remove", site, reported),
                              {"rule": "1", "seen_decision": "0", "next": queue_url(site)})
    assert response.status_code == 409
    assert "max_p already acted on this comment" in words(response)
    assert "Nothing was changed." in words(response)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["dismiss"]
    reported.refresh_from_db()
    assert reported.status == Comment.Status.PUBLISHED


def test_a_refused_form_shows_the_page_again_with_what_was_typed(signed_in, site, reported):
    here = queue_url(site, tab="reported")
    response = signed_in.post(action_url("amend", site, reported), {
        "text": "Softer words", "rule": "", "reason": "Too strong", "seen_decision": "0",
        "next": here})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Cite the rule the comment breaks." in page
    assert "Softer words</textarea>" in page
    assert 'data-fold="amend" open' in page
    assert not AuditEntry.objects.exists()


def test_hold_release_approve_and_reject_through_the_forms(
    signed_in, site, article, subscriber, moderator, editor, other_subscriber
):
    comment = post(site, article, subscriber, "Hmm.")
    assert signed_in.post(action_url("hold", site, comment),
                          {"seen_decision": "0"}).status_code == 303
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HELD
    last = AuditEntry.objects.get(comment=comment).pk
    assert signed_in.post(action_url("release", site, comment),
                          {"seen_decision": str(last)}).status_code == 303
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED

    services.set_comment_mode(site=site, actor=editor, article_id=article.pk,
                              mode="premoderated")
    article.refresh_from_db()
    good = post(site, article, other_subscriber, "Good")
    bad = post(site, article, other_subscriber, "Bad")
    assert signed_in.post(action_url("approve", site, good),
                          {"seen_decision": "0"}).status_code == 303
    response = signed_in.post(action_url("reject", site, bad),
                              {"seen_decision": "0", "rule": "2", "reason": "Off topic"})
    assert response.status_code == 303
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (Comment.Status.PUBLISHED, Comment.Status.REMOVED)


def test_filters_and_search_narrow_the_queue(signed_in, site, article, subscriber,
                                             other_subscriber, readers, many):
    elsewhere = ArticleFactory(site=site, title="Another story")
    a = post(site, article, subscriber, "Spammy spam about bridges")
    b = post(site, elsewhere, other_subscriber, "Off-topic ramble")
    c = post(site, elsewhere, subscriber, "Rude words")
    report(site, a, readers[0], "spam")
    report(site, b, readers[0], "off_topic")
    report(site, c, readers[0], "abusive")
    assert set(rows(signed_in.get(queue_url(site)))) == {a.pk, b.pk, c.pk}
    assert set(rows(signed_in.get(queue_url(site, article=elsewhere.pk)))) == {b.pk, c.pk}
    assert rows(signed_in.get(queue_url(site, reason="spam"))) == [a.pk]
    assert rows(signed_in.get(queue_url(site, q="ramble"))) == [b.pk]
    assert set(rows(signed_in.get(queue_url(site, q="Olive")))) == {b.pk}
    assert rows(signed_in.get(queue_url(site, q="nothing-like-this"))) == []
    recent = signed_in.get(queue_url(site, tab="recent", article=elsewhere.pk, q="Rude"))
    assert rows(recent) == [c.pk]
    # A bad filter value is dropped, not a server error.
    assert signed_in.get(queue_url(site, reason="nonsense", article="x")).status_code == 200


def test_bulk_dismiss_applies_one_by_one_and_names_what_was_already_decided(
    signed_in, site, article, subscriber, readers, second_moderator, many
):
    comments = [post(site, article, subscriber, f"Comment {n}") for n in range(3)]
    for comment in comments:
        report(site, comment, readers[0])
    services.remove_comment(site=site, actor=second_moderator, comment_id=comments[2].pk,
                            rule=1)
    response = signed_in.post(reverse("moderation_bulk", args=[site.slug]), {
        "action": "dismiss",
        "comment": [f"{c.pk}:0" for c in comments],
        "next": queue_url(site),
    })
    assert response.status_code == 303
    assert AuditEntry.objects.filter(action="dismiss").count() == 2
    text = words(signed_in.get(queue_url(site)))
    assert "Dismissed the reports on 2 comments." in text
    assert f"1 had already been decided by someone else and was left alone: #{comments[2].pk}" \
        in text


def test_bulk_remove_needs_a_rule_and_then_removes_each(signed_in, site, article, subscriber,
                                                       readers, many):
    comments = [post(site, article, subscriber, f"Spam {n}") for n in range(2)]
    picked = [f"{c.pk}:0" for c in comments]
    url = reverse("moderation_bulk", args=[site.slug])
    refused = signed_in.post(url, {"action": "remove", "comment": picked})
    assert refused.status_code == 400
    assert "Cite the rule the comment breaks." in words(refused)
    assert not AuditEntry.objects.exists()
    assert signed_in.post(url, {"action": "remove", "comment": picked, "rule": "3"}) \
        .status_code == 303
    assert AuditEntry.objects.filter(action="remove", rule__number=3).count() == 2
    nothing = signed_in.post(url, {"action": "remove", "rule": "3"})
    assert nothing.status_code == 400


# --- authors and articles -----------------------------------------------------------------

def test_author_page_shows_record_and_takes_notes_and_sanctions(
    signed_in, site, reported, subscriber, moderator
):
    page = reverse("moderation_user", args=[site.slug, subscriber.pk])
    assert "The council is corrupt" in words(signed_in.get(page))

    response = signed_in.post(reverse("moderation_note", args=[site.slug, subscriber.pk]),
                              {"text": "Second warning given", "next": page})
    assert response["Location"] == page
    response = signed_in.post(reverse("moderation_sanction", args=[site.slug, subscriber.pk]),
                              {"kind": "suspension", "days": "7", "reason": "Repeated abuse",
                               "next": page})
    assert response.status_code == 303
    text = words(signed_in.get(page))
    assert "Second warning given" in text
    assert "Suspension" in text
    assert "Sam Subscriber is suspended until" in text
    sanction = Sanction.objects.get()

    response = signed_in.post(reverse("moderation_lift", args=[site.slug, sanction.pk]),
                              {"next": page})
    assert response.status_code == 303
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
    assert ModeratorNote.objects.get().text == "Second warning given"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions == {"note", "suspend", "lift_sanction"}


def test_a_refused_sanction_shows_the_author_page_again(signed_in, site, reported,
                                                       subscriber):
    page = reverse("moderation_user", args=[site.slug, subscriber.pk])
    response = signed_in.post(reverse("moderation_sanction", args=[site.slug, subscriber.pk]),
                              {"kind": "suspension", "days": "0", "reason": "x", "next": page})
    assert response.status_code == 400
    assert "A suspension lasts 1 to 3650 days." in words(response)
    assert "Recent comments" in words(response)
    assert not Sanction.objects.exists()


def test_remove_all_by_an_author_asks_for_confirmation(signed_in, site, article, subscriber,
                                                      many):
    for n in range(3):
        post(site, article, subscriber, f"Buy crypto {n}")
    url = reverse("moderation_remove_all", args=[site.slug, subscriber.pk])
    unconfirmed = signed_in.post(url, {"rule": "3"})
    assert unconfirmed.status_code == 400
    assert not AuditEntry.objects.exists()
    response = signed_in.post(url, {"rule": "3", "confirm": "yes"})
    assert response.status_code == 303
    assert AuditEntry.objects.filter(action="remove").count() == 3
    assert not Comment.objects.filter(author=subscriber).exclude(status="removed").exists()


def test_strangers_to_the_site_have_no_author_page(signed_in, site, other_site,
                                                  foreign_moderator):
    lurker = make_subscriber(other_site, username="lurker")
    response = signed_in.get(reverse("moderation_user", args=[site.slug, lurker.pk]))
    assert response.status_code == 404


def test_an_editor_changes_the_comment_mode_and_a_moderator_cannot(
    client, site, article, reported, editor, moderator
):
    url = reverse("moderation_comment_mode", args=[site.slug, article.pk])
    filtered = queue_url(site, article=article.pk)

    client.force_login(moderator)
    assert 'name="mode"' not in client.get(filtered).content.decode()
    refused = client.post(url, {"mode": "closed", "next": filtered})
    assert refused.status_code == 403
    assert "Only this site&#x27;s editors can do that." in refused.content.decode()
    assert Article.objects.get(pk=article.pk).comment_mode == "open"

    client.force_login(editor)
    assert 'name="mode"' in client.get(filtered).content.decode()
    response = client.post(url, {"mode": "closed", "next": filtered})
    assert response.status_code == 303
    assert Article.objects.get(pk=article.pk).comment_mode == "closed"
    assert "Comments on “Council approves new bridge” are now closed." in words(
        client.get(filtered))


# --- one comment's story, and the export ----------------------------------------------------

def test_the_comment_page_tells_its_whole_story(signed_in, site, reported, moderator):
    services.amend_comment(site=site, actor=moderator, comment_id=reported.pk,
                           text="The council has questions to answer.", rule=1,
                           reason="Unsupported")
    text = words(signed_in.get(reverse("moderation_comment", args=[site.slug, reported.pk])))
    assert "Amended" in text
    assert "Before The council is corrupt, everyone knows it." in text
    assert "After The council has questions to answer." in text
    assert "1. Be civil" in text
    assert "mona_k" in text


def test_the_comment_page_of_another_sites_comment_is_not_found(signed_in, site, other_site,
                                                               other_article):
    author = make_subscriber(other_site, username="faraway")
    theirs = post(other_site, other_article, author, "Elsewhere")
    response = signed_in.get(reverse("moderation_comment", args=[site.slug, theirs.pk]))
    assert response.status_code == 404


def test_admins_export_the_audit_trail_safe_for_spreadsheets(
    client, site, article, subscriber, moderator, site_admin
):
    comment = post(site, article, subscriber, "=HYPERLINK(\"http://evil.example\",\"click\")")
    services.remove_comment(site=site, actor=moderator, comment_id=comment.pk, rule=3,
                            reason="@everyone spam")
    client.force_login(moderator)
    assert client.get(reverse("moderation_audit_csv", args=[site.slug])).status_code == 403

    client.force_login(site_admin)
    response = client.get(reverse("moderation_audit_csv", args=[site.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == ["time", "actor", "action", "comment id", "article", "author", "rule",
                        "reason", "text before", "text after", "cover"]
    [row] = table[1:]
    assert row[0].endswith("+00:00")
    assert row[1:7] == ["mona_k", "remove", str(comment.pk), "Council approves new bridge",
                        "sam", "3. No spam"]
    assert row[7] == "'@everyone spam"
    assert row[8] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row[10] == "part_time"


def test_the_reported_tab_keeps_reports_of_other_sites_out(signed_in, site, other_site,
                                                          other_article, reader, reported):
    author = make_subscriber(other_site, username="abroad")
    theirs = post(other_site, other_article, author, "Their comment")
    report(other_site, theirs, reader)
    assert rows(signed_in.get(queue_url(site))) == [reported.pk]
    assert Report.objects.count() == 2


@pytest.mark.parametrize("tab", ["reported", "held", "recent", "decided"])
def test_the_queue_reads_in_the_same_number_of_queries_however_long_it_is(
    signed_in, site, article, subscriber, other_subscriber, readers, moderator, many, tab
):
    def grow(n):
        for i in range(n):
            parent = post(site, article, other_subscriber, f"Parent {i}")
            comment = post(site, article, subscriber, f"Reply {i}", parent=parent)
            report(site, comment, readers[i % 6], "abusive", note="why")
            services.hold_comment(site=site, actor=moderator, comment_id=parent.pk)
            services.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk,
                                        text=f"Note {i}")

    def count(*, rendered: bool):
        if rendered:  # as after a change: the page is rendered, not served from memory
            queue_cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get(queue_url(site, tab=tab)).status_code == 200
        return len(queries)

    grow(2)
    count(rendered=True)  # the first read fills the per-site caches (rules, cover)
    few, served = count(rendered=True), count(rendered=False)
    grow(6)
    assert count(rendered=True) == few
    assert count(rendered=False) == served < few


def test_tabs_say_how_many_comments_wait_in_them(signed_in, site, article, subscriber,
                                                 readers, moderator):
    first = post(site, article, subscriber, "One")
    second = post(site, article, subscriber, "Two")
    report(site, first, readers[0])
    report(site, first, readers[1])
    report(site, second, readers[0])
    services.hold_comment(site=site, actor=moderator, comment_id=second.pk)
    text = words(signed_in.get(queue_url(site)))
    assert "Reported 2" in text
    assert "Held 1" in text


def test_comment_page_shows_what_it_said_before_its_authors_edits(signed_in, site, article,
                                                                  subscriber, reader):
    comment = post(site, article, subscriber, "You are all idiots")
    report(site, comment, reader)
    discussion.edit_own_comment(site=site, comment_id=comment.pk, author=subscriber,
                                text="I disagree with you all")
    page = words(signed_in.get(reverse("moderation_comment", args=[site.slug, comment.pk])))
    assert "Edited by its author" in page
    assert "You are all idiots" in page
    assert "I disagree with you all" in page
