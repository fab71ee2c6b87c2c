"""A reader's notifications page: the author is told why their comment went, citing the
rule, and the reader who complained is told the outcome, never who decided it."""

import pytest
from django.urls import reverse

from belowtheline.accounts.models import StaffRole
from belowtheline.discussion import services as discussion
from belowtheline.moderation import services
from tests.accounts.factories import UserFactory
from tests.conftest import make_subscriber
from tests.sites.factories import SiteFactory


@pytest.fixture
def removed(site, rules, article, subscriber, reader):
    comment = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="Everyone on the council is a crook.")
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="legal_risk")
    moderator = UserFactory(username="mona_k", display_name="Mona K")
    StaffRole.objects.create(site=site, user=moderator, role="moderator")
    services.remove_comment(site=site, actor=moderator, comment_id=comment.pk, rule=1,
                            reason="An accusation of crime without evidence.")
    return comment


def page(site) -> str:
    return reverse("notifications", args=[site.slug])


def test_the_author_is_told_which_rule_their_removed_comment_broke(client, site, removed,
                                                                   subscriber):
    client.force_login(subscriber)
    response = client.get(page(site))
    assert response.status_code == 200
    text = response.content.decode()
    assert "A moderator removed your comment under rule 1 (Be civil)." in text
    assert "An accusation of crime without evidence." in text
    thread = reverse("thread", args=[site.slug, removed.article_id])
    assert f'href="{thread}#comment-{removed.pk}"' in text
    assert "mona_k" not in text


def test_the_reporter_is_told_the_outcome_without_the_moderators_name(client, site, removed,
                                                                       reader):
    client.force_login(reader)
    text = client.get(page(site)).content.decode()
    assert "Thank you for your report on a comment by Sam Subscriber." in text
    assert "Our moderators agreed and have acted on it." in text
    assert "mona_k" not in text
    assert "Mona K" not in text


def test_notifications_are_per_person_and_per_site(client, site, removed, other_subscriber):
    client.force_login(other_subscriber)
    text = client.get(page(site)).content.decode()
    assert "removed your comment" not in text
    assert "Nothing yet." in text
    elsewhere = SiteFactory(slug="elsewhere")
    make_subscriber(elsewhere, accept_rules=False, username="x")
    assert "Nothing yet." in client.get(page(elsewhere)).content.decode()


def test_the_page_asks_strangers_to_sign_in_and_is_linked_from_the_header(client, site,
                                                                          removed, reader):
    response = client.get(page(site))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(reader)
    rules = client.get(reverse("rules", args=[site.slug])).content.decode()
    assert f'href="{page(site)}"' in rules


def test_opening_the_list_marks_notifications_read(client, db):
    from belowtheline import clock
    from belowtheline.accounts.models import Notification
    from tests.accounts.factories import UserFactory
    from tests.sites.factories import SiteFactory

    site = SiteFactory()
    reader = UserFactory()
    Notification.objects.create(site=site, user=reader, message="Your report was upheld.",
                                created_at=clock.now())
    client.force_login(reader)
    first = client.get(f"/sites/{site.slug}/notifications/").content.decode()
    assert "unread" in first
    assert Notification.objects.get().read_at is not None
    second = client.get(f"/sites/{site.slug}/notifications/").content.decode()
    assert 'class="notification unread"' not in second
