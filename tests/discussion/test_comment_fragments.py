"""A signed-in reader's thread page is built from comments rendered once per change of the
thread and shared by readers in the same standing (`discussion/fragments.py`): it must be
exactly the page rendered for them alone, carry only their own CSRF token, show their own
marks, and change as soon as the thread does."""

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.urls import reverse

from belowtheline.discussion import fragments, services
from tests.conftest import make_subscriber

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def page_for(user, site, article) -> tuple[str, str]:
    """The thread page as `user` gets it, and the CSRF secret of their browser."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    response = client.get(reverse("thread", args=[site.slug, article.pk]))
    assert response.status_code == 200
    secret = response.cookies[settings.CSRF_COOKIE_NAME].value
    return response.content.decode(), secret


def without_tokens(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value=""', html)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "1000/60"}


@pytest.fixture
def thread(site, article, other_subscriber):
    """Twelve comments by someone else, two of them with replies."""
    comments = [services.post_comment(site=site, article=article, author=other_subscriber,
                                      text=f"Comment number {n}") for n in range(12)]
    for parent in comments[:2]:
        services.post_comment(site=site, article=article, author=other_subscriber,
                              text=f"A reply to {parent.text}", parent=parent)
    return comments


def test_the_page_is_the_one_rendered_for_the_reader_alone(site, article, subscriber, thread):
    alone, _ = page_for(subscriber, site, article)  # nothing kept yet: all rendered for them
    assert fragments._memory.items  # and the comments now kept

    again, secret = page_for(subscriber, site, article)

    assert without_tokens(again) == without_tokens(alone)
    assert "Comment number 11" in again
    assert "A reply to Comment number 0" in again
    tokens = TOKEN.findall(again)
    assert len(tokens) >= 2 * len(thread)  # Recommend and Reply on each comment, at least
    assert {_unmask_cipher_token(t) for t in tokens} == {secret}


def test_each_reader_gets_their_own_token_and_their_own_marks(site, article, subscriber, thread):
    services.recommend_comment(site=site, comment_id=thread[3].pk, user=subscriber)
    someone = make_subscriber(site, username="someone")
    page_for(someone, site, article)  # every comment kept, as `someone` sees it

    mine, my_secret = page_for(subscriber, site, article)
    theirs, their_secret = page_for(someone, site, article)

    assert my_secret != their_secret
    assert {_unmask_cipher_token(t) for t in TOKEN.findall(mine)} == {my_secret}
    assert {_unmask_cipher_token(t) for t in TOKEN.findall(theirs)} == {their_secret}
    assert mine.count("Recommended (undo)") == 1  # comment 3, recommended by them
    assert theirs.count("Recommended (undo)") == 0
    recommended = mine[mine.index(f'id="comment-{thread[3].pk}"'):]
    assert recommended.index("Recommended (undo)") < recommended.index("</li>")


def test_their_own_comment_is_theirs_however_the_others_are_kept(site, article, subscriber,
                                                                   thread):
    page_for(subscriber, site, article)
    own = services.post_comment(site=site, article=article, author=subscriber, text="Mine")

    page, _ = page_for(subscriber, site, article)
    other, _ = page_for(make_subscriber(site, username="someone"), site, article)

    mine = page[page.index(f'id="comment-{own.pk}"'):]
    assert "Edit your comment" in mine[:mine.index("</li>")]
    theirs = other[other.index(f'id="comment-{own.pk}"'):]
    assert "Edit your comment" not in theirs[:theirs.index("</li>")]


def test_a_change_to_the_thread_shows_at_once(site, article, subscriber, other_subscriber,
                                              thread):
    page_for(subscriber, site, article)
    late = services.post_comment(site=site, article=article, author=other_subscriber,
                                 text="A late reply", parent=thread[5])
    services.recommend_comment(site=site, comment_id=thread[7].pk,
                               user=make_subscriber(site, username="fan"))

    page, _ = page_for(subscriber, site, article)

    # Under the comment it answers (newest first: the one after it is comment 4).
    assert (page.index(f'id="comment-{thread[5].pk}"') < page.index(f'id="comment-{late.pk}"')
            < page.index(f'id="comment-{thread[4].pk}"'))
    assert "A late reply" in page
    counted = page[page.index(f'id="comment-{thread[7].pk}"'):]
    assert "1 recommendation" in counted[:counted.index("</li>")]


def test_text_that_spells_the_mark_stays_text(site, article, subscriber, other_subscriber):
    services.post_comment(site=site, article=article, author=other_subscriber,
                          text='Try <btl-csrf> and value="<btl-csrf>"')
    page_for(subscriber, site, article)

    page, secret = page_for(subscriber, site, article)

    assert "Try &lt;btl-csrf&gt; and value=&quot;&lt;btl-csrf&gt;&quot;" in page
    assert "<btl-csrf>" not in page
    assert {_unmask_cipher_token(t) for t in TOKEN.findall(page)} == {secret}
