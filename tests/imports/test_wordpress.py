"""`btl import wordpress`: WXR 1.0, 1.1 and 1.2, matched by namespace URI."""

import pytest
from django.core.management import CommandError

from belowtheline.discussion.models import Article, Comment
from tests.imports.conftest import FIXTURES, comments_of, nothing_imported

EXPORT = FIXTURES / "wordpress.xml"


def test_posts_and_pages_become_articles_with_their_comments(gazette, btl_import):
    out = btl_import("wordpress", EXPORT)
    articles = dict(Article.objects.filter(site=gazette).values_list("canonical_url",
                                                                     "title"))
    assert articles == {"https://news.example/2015/06/bridge-reopens/":
                        "Bridge reopens after repairs",
                        "https://news.example/about/": "About us"}
    assert "comments imported: 6 (2 pending, 2 published, 2 removed)" in out
    assert Article.objects.get(site=gazette, title="About us").comment_count == 0


def test_states_paragraphs_entities_and_replies(gazette, btl_import):
    btl_import("wordpress", EXPORT)
    comments = comments_of(gazette)
    ann = comments["About time.\n\nIt was shut for two years & cost £4m.\n"
                   "See the closure (https://news.example/2013/06/bridge-shut/)."]
    reply = comments["Thanks Ann — ¡sí! مرحبا 🎉"]
    assert reply.parent == ann  # found though its clock says it came first
    assert reply.created_at < ann.created_at
    assert comments["buy (http://spam.example)"].status == Comment.Status.REMOVED
    assert comments["Trashed by the editor"].status == Comment.Status.REMOVED
    assert comments["Held for moderation"].status == Comment.Status.PENDING
    assert comments["No approval field"].status == Comment.Status.PENDING


def test_pingbacks_attachments_and_impossible_dates_are_reported(gazette, btl_import):
    out = btl_import("wordpress", EXPORT)
    assert "a pingback, not a reader's comment: 107" in out
    assert "impossible date '2015-13-45 25:00:00': 108" in out
    assert "a comment on an attachment, which is not an article: 301" in out


def _wxr(tmp_path, uri: str, prefix: str = "wp"):
    text = EXPORT.read_text().replace("http://wordpress.org/export/1.2/", uri)
    if prefix != "wp":
        text = text.replace("xmlns:wp=", f"xmlns:{prefix}=").replace("<wp:", f"<{prefix}:") \
            .replace("</wp:", f"</{prefix}:")
    path = tmp_path / "export.xml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("uri", [
    "http://wordpress.org/export/1.0/", "http://wordpress.org/export/1.1/",
    "http://wordpress.org/export/1.2/", "https://wordpress.org/export/1.1/",
    "https://wordpress.org/export/1.2/",
])
def test_every_wxr_version_by_its_namespace_uri(gazette, btl_import, tmp_path, uri):
    out = btl_import("wordpress", _wxr(tmp_path, uri))
    assert "comments imported: 6" in out


def test_the_namespace_counts_not_the_prefix(gazette, btl_import, tmp_path):
    out = btl_import("wordpress", _wxr(tmp_path, "http://wordpress.org/export/1.2/",
                                       prefix="wordpress"))
    assert "comments imported: 6" in out


def test_a_wp_prefix_bound_to_another_namespace_is_not_wordpress(gazette, btl_import,
                                                                 tmp_path):
    with pytest.raises(CommandError, match="WXR namespace"):
        btl_import("wordpress", _wxr(tmp_path, "http://example.org/not-wordpress/"))
    assert nothing_imported(gazette)


def test_a_disqus_export_given_as_wordpress_is_refused(gazette, btl_import):
    with pytest.raises(CommandError, match="not a WordPress export"):
        btl_import("wordpress", FIXTURES / "disqus.xml")
    assert nothing_imported(gazette)
