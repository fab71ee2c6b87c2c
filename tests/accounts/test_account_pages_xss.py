"""The XSS corpus (tests/xss_corpus.py) through the readers' own pages: each payload as a
reader's display name and as their comment's text comes out of their profile, details and
account-deletion pages, and a site admin's page for their data, as text only (the checks
are tests/test_xss_corpus.py's `_check_page`: no foreign element, no on* attribute, no
script URL, and the payload visible as text)."""

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline.discussion import services as discussion
from belowtheline.errors import BtlError
from tests.accounts.factories import SubscriptionFactory, UserFactory
from tests.api.test_bearer_tokens import SECRET, token
from tests.conftest import make_staff
from tests.test_xss_corpus import _check_page
from tests.xss_corpus import corpus

SAMPLE = 80  # payloads, spread over the corpus: every kind of vector, in a few seconds


def _sample() -> list[str]:
    payloads = corpus()
    step = max(1, len(payloads) // SAMPLE)
    return list(payloads[::step])[:SAMPLE]


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


@pytest.fixture
def authors(site, rules, article, settings):
    settings.BTL_RATE_LIMITS = {name: "1000000/60" for name in settings.BTL_RATE_LIMITS}
    made = []
    for number, payload in enumerate(_sample()):
        author = UserFactory(username=f"xss{number}", display_name=payload[:60].strip() or "x")
        SubscriptionFactory(site=site, user=author)
        discussion.accept_rules(site=site, user=author)
        try:
            comment = discussion.post_comment(site=site, article=article, author=author,
                                              text=payload)
        except BtlError:  # refused as typed (control characters, too long): nothing shown
            comment = None
        made.append((author, comment))
    return made


def test_the_readers_pages_show_every_payload_as_text(site, authors):
    admin = Client()
    admin.force_login(make_staff(site, "admin", "ada_l"))
    shown = 0
    for author, comment in authors:
        client = Client()
        client.force_login(author)
        texts = [author.public_name]
        if comment is not None and len(comment.text) <= 300:  # the profile cuts at 300
            texts.append(comment.text)
            shown += 1
        _check_page(_page(client, reverse("profile", args=[site.slug])), texts,
                    f"profile of {author.username}")
        _check_page(_page(client, reverse("account_settings")), [],
                    f"details of {author.username}")
        _check_page(_page(client, reverse("delete_account", args=[site.slug])), [],
                    f"deletion page of {author.username}")
        _check_page(_page(admin, reverse("reader_data", args=[site.slug, author.pk])),
                    [author.public_name], f"reader's data page of {author.username}")
    assert shown > SAMPLE // 2  # the pages did show most payloads, not an empty page


def test_a_token_readers_name_is_text_on_their_profile(site, rules):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    for number, payload in enumerate(_sample()[:20]):
        name = payload[:60].strip()
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token(site, sub=f'x-{number}', name=name)}")
        response = client.get(reverse("profile", args=[site.slug]))
        if response.status_code == 401:  # a name the token check refuses (no visible text)
            continue
        assert response.status_code == 200
        _check_page(response.content.decode(), [], f"token profile {number}")
