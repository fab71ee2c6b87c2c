"""The queue pages kept in memory: a report or a decision shows at once, what changes
without one shows within the freshness window, and nothing of one moderator (their CSRF
token, what their role lets them do, a form they got refused) reaches another."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline.accounts.models import StaffRole
from belowtheline.discussion import reports as report_figures
from belowtheline.discussion import services as discussion
from belowtheline.moderation import queue_cache, services
from belowtheline.moderation.models import Sanction
from tests.conftest import make_staff, make_subscriber


@pytest.fixture
def many(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60",
                                "report": "100000/60"}


def queue_url(site, **params) -> str:
    url = reverse("moderation_queue", args=[site.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def rows(response) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="row-(\d+)"', response.content.decode())]


def tokens(response) -> set[str]:
    """The CSRF tokens of the queue's forms (the bulk form's and every row's)."""
    page = response.content.decode()
    queue = page[page.index('<form id="bulk"'):page.index("</ol>")]
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', queue))


def post(site, article, author, text):
    return discussion.post_comment(site=site, article=article, author=author, text=text)


def report(site, comment, reporter, reason="abusive"):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reporter,
                              reason=reason)


def version(site) -> int:
    return report_figures.queue_version(site=site)


# --- the version ------------------------------------------------------------------------------

def test_the_queue_version_moves_with_every_report_and_every_decision(
    site, article, subscriber, readers, moderator, many
):
    first, second = (post(site, article, subscriber, f"Comment {i}") for i in range(2))
    seen = [version(site)]

    def moved():
        seen.append(version(site))
        return seen[-1] > seen[-2]

    report(site, first, readers[0])
    assert moved()
    report(site, second, readers[1])
    assert moved()
    services.dismiss_reports(site=site, actor=moderator, comment_id=first.pk)
    assert moved()
    services.hold_comment(site=site, actor=moderator, comment_id=second.pk)
    assert moved()
    services.release_comment(site=site, actor=moderator, comment_id=second.pk)
    assert moved()
    services.remove_comment(site=site, actor=moderator, comment_id=second.pk, rule=1)
    assert moved()
    services.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk,
                                text="Watch this one")
    assert moved()
    services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                             kind=Sanction.Kind.PREMODERATION, reason="Repeated abuse")
    assert moved()


def test_a_recount_after_a_bulk_load_moves_the_queue_version(site, article, subscriber,
                                                              readers):
    report(site, post(site, article, subscriber, "Reported"), readers[0])
    before = version(site)
    report_figures.recount_open_reports(site=site)
    assert version(site) > before


def test_posting_a_comment_leaves_the_queue_version_alone(site, article, subscriber,
                                                          readers):
    report(site, post(site, article, subscriber, "Reported"), readers[0])
    before = version(site)
    post(site, article, subscriber, "Nobody minds this one")
    assert version(site) == before


def test_each_site_has_its_own_queue_version(site, other_site, article, subscriber,
                                             readers):
    before = version(other_site)
    report(site, post(site, article, subscriber, "Here"), readers[0])
    assert version(other_site) == before


# --- what a moderator sees --------------------------------------------------------------------

def test_a_report_and_a_decision_show_on_the_next_load(client, site, article, subscriber,
                                                       readers, moderator, many):
    client.force_login(moderator)
    first = post(site, article, subscriber, "First")
    report(site, first, readers[0])
    assert rows(client.get(queue_url(site))) == [first.pk]
    second = post(site, article, subscriber, "Second")
    report(site, second, readers[1])
    assert sorted(rows(client.get(queue_url(site)))) == sorted([first.pk, second.pk])
    response = client.post(reverse("moderation_dismiss", args=[site.slug, first.pk]),
                           {"next": queue_url(site), "seen_decision": 0})
    assert response.status_code == 303
    assert rows(client.get(queue_url(site))) == [second.pk]


def test_an_authors_edit_shows_once_the_page_is_no_longer_fresh(
    client, site, article, subscriber, readers, moderator, settings
):
    client.force_login(moderator)
    comment = post(site, article, subscriber, "Original words")
    report(site, comment, readers[0])
    assert "Original words" in client.get(queue_url(site)).content.decode()
    settings.BTL_QUEUE_CACHE_SECONDS = 0  # as if the window had passed
    discussion.edit_own_comment(site=site, comment_id=comment.pk, author=subscriber,
                                text="Second thoughts")
    page = client.get(queue_url(site)).content.decode()
    assert "Second thoughts" in page
    assert "Original words" not in page


def test_every_moderator_gets_their_own_csrf_token_in_every_form(
    client, site, article, subscriber, readers, moderator, second_moderator
):
    report(site, post(site, article, subscriber, "Reported"), readers[0])
    client.force_login(moderator)
    mine = client.get(queue_url(site))
    theirs_client = Client()
    theirs_client.force_login(second_moderator)
    theirs = theirs_client.get(queue_url(site))
    assert rows(mine) == rows(theirs)
    for response in (mine, theirs):
        page = response.content.decode()
        assert "<btl-" not in page  # no stand-in left
        [token] = tokens(response)  # one token, in every form of the queue
        assert page.count(token) >= 7  # bulk, dismiss, hold, remove, amend, sanction, note
    assert tokens(mine) != tokens(theirs)


def test_a_decision_sent_with_the_token_of_a_served_page_is_accepted(
    site, article, subscriber, readers, moderator, second_moderator
):
    comment = post(site, article, subscriber, "Reported")
    report(site, comment, readers[0])
    warm = Client(enforce_csrf_checks=True)
    warm.force_login(second_moderator)
    warm.get(queue_url(site))  # the page is rendered for them, and kept
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(moderator)
    [token] = tokens(browser.get(queue_url(site)))
    response = browser.post(reverse("moderation_dismiss", args=[site.slug, comment.pk]),
                            {"csrfmiddlewaretoken": token, "next": queue_url(site),
                             "seen_decision": 0})
    assert response.status_code == 303


def test_what_an_editor_may_do_never_shows_on_a_moderators_page(
    client, site, article, subscriber, readers, moderator, editor
):
    report(site, post(site, article, subscriber, "Reported"), readers[0])
    filtered = queue_url(site, article=article.pk)
    client.force_login(editor)
    assert "mode-form" in client.get(filtered).content.decode()
    client.force_login(moderator)
    assert "mode-form" not in client.get(filtered).content.decode()


def test_a_refused_form_is_shown_to_its_moderator_only(
    client, site, article, subscriber, readers, moderator, second_moderator
):
    comment = post(site, article, subscriber, "Reported")
    report(site, comment, readers[0])
    client.force_login(moderator)
    refused = client.post(reverse("moderation_amend", args=[site.slug, comment.pk]),
                          {"next": queue_url(site), "seen_decision": 0,
                           "text": "My private draft", "rule": "", "reason": "r"})
    assert refused.status_code == 400
    assert "My private draft" in refused.content.decode()
    other = Client()
    other.force_login(second_moderator)
    assert "My private draft" not in other.get(queue_url(site)).content.decode()


def test_pages_of_other_sites_are_never_mixed_up(client, site, other_site, article,
                                                 other_article, subscriber, readers):
    report(site, post(site, article, subscriber, "Ours"), readers[0])
    author = make_subscriber(other_site, username="abroad")
    theirs = post(other_site, other_article, author, "Theirs")
    report(other_site, theirs, readers[1])
    both = make_staff(site, "moderator", "both_sites")
    StaffRole.objects.create(site=other_site, user=both, role="moderator")
    client.force_login(both)
    assert "Ours" in client.get(queue_url(site)).content.decode()
    page = client.get(queue_url(other_site)).content.decode()
    assert "Theirs" in page
    assert "Ours" not in page


def test_a_stale_page_is_rendered_again_by_one_request(site):
    made = []

    def render():
        made.append(1)
        return f"<p>{len(made)} <btl-csrf></p>", True

    key = queue_cache.key_for(site=site, version=1, variant="x")
    assert b"".join(queue_cache.cached_page(key=key, render=render).with_token("T")) == \
        b"<p>1 T</p>"
    queue_cache.cached_page(key=key, render=render)
    assert len(made) == 1
