"""Helpers for calling the API as a browser would: JSON in, JSON out, site in the path."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from belowtheline.accounts.models import User
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment
from belowtheline.sites.models import Site

JSON = "application/json"


def api_path(site: Site | str, rest: str) -> str:
    slug = site if isinstance(site, str) else site.slug
    return f"/api/v1/sites/{slug}/{rest}"


def send(client: Client, method: str, path: str, body: Any = None, **extra: Any) -> Any:
    """A JSON request; `body` may be a dict (encoded as JSON), str or raw bytes."""
    call = getattr(client, method.lower())
    if body is None:
        return call(path, **extra)
    return call(path, body, content_type=extra.pop("content_type", JSON), **extra)


@pytest.fixture
def anonymous() -> Client:
    return Client()


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def as_subscriber(client_for, subscriber) -> Client:
    return client_for(subscriber)


@pytest.fixture
def as_other(client_for, other_subscriber) -> Client:
    return client_for(other_subscriber)


@pytest.fixture
def as_reader(client_for, reader) -> Client:
    return client_for(reader)


@pytest.fixture
def comment(site: Site, article: Article, subscriber: User) -> Comment:
    """The subscriber's published comment on the article."""
    return services.post_comment(
        site=site, article=article, author=subscriber, text="The bridge is overdue."
    )
