"""The documented URL normalisation that decides which article an imported thread is."""

import pytest

from belowtheline.imports.urls import canonical_url, url_key

ORIGINS = ["https://news.example", "http://localhost:8000"]


@pytest.mark.parametrize(("given", "canonical"), [
    ("http://News.Example/a/b/", "https://news.example/a/b/"),  # the site's scheme
    ("https://news.example:443/a#comments", "https://news.example/a"),
    ("https://news.example/a?utm_source=x&fbclid=1&page=2", "https://news.example/a?page=2"),
    ("http://localhost:8000/x", "http://localhost:8000/x"),
    ("http://other.example/x", "https://other.example/x"),
    ("", None), ("/2019/05/a-story/", None), ("ftp://news.example/a", None),
    ("javascript:alert(1)", None),
])
def test_normalisation(given, canonical):
    assert canonical_url(given, origins=ORIGINS) == canonical


def test_a_trailing_slash_or_scheme_makes_no_different_article():
    assert url_key("https://news.example/a/") == url_key("http://news.example/a")
    assert url_key("https://news.example/a?page=2") != url_key("https://news.example/a")
