"""`btl import disqus`: a Disqus export with every shape a real one has."""

import pytest
from django.urls import reverse

from belowtheline.accounts.models import User
from belowtheline.discussion.models import Article, Comment
from belowtheline.imports.models import ImportedAuthor
from tests.imports.conftest import FIXTURES, comments_of

EXPORT = FIXTURES / "disqus.xml"


@pytest.fixture
def imported(gazette, btl_import) -> str:
    return btl_import("disqus", EXPORT)


def test_threads_keep_their_nesting_at_any_depth(gazette, imported):
    comments = comments_of(gazette)
    level = comments["Level 5"]
    chain = []
    while level is not None:
        chain.append(level.text)
        level = level.parent
    assert chain == ["Level 5", "Level 4", "Level 3", "Level 2", "Level 1"]
    # Our display nests one level: every reply hangs from the conversation's first comment.
    assert {comments[f"Level {n}"].thread_root.text for n in range(2, 6)} == {"Level 1"}


def test_a_reply_listed_before_its_parent_still_finds_it(gazette, imported):
    comments = comments_of(gazette)
    assert comments["Agreed — and the buses too."].parent.text.startswith(
        "The council was warned")


def test_states_deleted_spam_and_pending_are_never_ordinary_comments(gazette, imported):
    comments = comments_of(gazette)
    assert comments["Something regrettable"].status == Comment.Status.DELETED
    assert comments["Cheap watches here (http://spam.example/)"].status == \
        Comment.Status.REMOVED
    assert comments["Waiting for a moderator"].status == Comment.Status.PENDING
    # Disqus exports without an isApproved field are Disqus's default: approved.
    assert comments["Level 1"].status == Comment.Status.PUBLISHED


def test_the_thread_page_shows_imported_comments_and_a_tombstone_with_its_reply(
        gazette, imported, client):
    article = Article.objects.get(site=gazette,
                                  canonical_url="https://news.example/2014/03/floods/")
    page = client.get(reverse("thread", args=[gazette.slug, article.pk])).content.decode()
    assert "The council was warned in 2012." in page
    assert "Replying to the deleted one" in page
    assert "Deleted by its author" in page
    assert "Something regrettable" not in page
    assert "Waiting for a moderator" not in page
    assert "Cheap watches" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # text, escaped, never markup
    assert "<script>alert(1)" not in page


def test_counts_are_what_posting_would_have_left(gazette, imported):
    for article in Article.objects.filter(site=gazette):
        published = Comment.objects.filter(article=article,
                                           status=Comment.Status.PUBLISHED).count()
        assert article.comment_count == published
        assert article.thread_version > 0  # cached renderings of the thread are stale


def test_html_bodies_become_plain_text_with_paragraphs_and_links(gazette, imported):
    comments = comments_of(gazette)
    assert ("The council was warned in 2012.\n\nSee the report "
            "(https://news.example/2012/warning) & its annex.\nSecond line.") in comments


def test_non_ascii_emoji_rtl_combining_characters_and_backslashes_survive(
        gazette, imported):
    text = next(t for t in comments_of(gazette) if t.startswith("Café"))
    assert text == ("Café ☕ 👍🏽 שלום עולם — e\u0301 a\\b \\\\n "
                    "<script>alert(1)</script> &amp;")  # entities decoded exactly once


def test_urls_that_differ_by_scheme_slash_or_tracking_are_one_article(gazette, imported):
    urls = sorted(Article.objects.filter(site=gazette).values_list("canonical_url",
                                                                   flat=True))
    # http → the site's https; ?utm_… dropped; /floods and /floods/ one article; ?page=2
    # is another page; a thread without comments makes no article.
    assert urls == ["https://news.example/2014/03/floods/",
                    "https://news.example/2014/03/floods/?page=2"]
    comments = comments_of(gazette)
    assert comments["Level 1"].article == next(
        c for t, c in comments.items() if t.startswith("Café")).article


def test_threads_and_parents_named_by_their_id_text_are_found(gazette, imported):
    comments = comments_of(gazette)
    assert comments["Reply by id"].parent == comments["Page two comment"]
    assert comments["Page two comment"].article.canonical_url.endswith("?page=2")


def test_bad_records_are_skipped_and_reported_with_their_ids(gazette, imported):
    assert "impossible date '2014-02-30T09:00:00Z': dsq:3030" in imported
    assert "unknown thread 'dsq:9999': dsq:3031" in imported
    assert "duplicate id in the file: dsq:3001" in imported
    assert "no usable article URL (none)" in imported
    assert "dsq:2004" in imported
    assert "a reply to a comment that is not in the file: dsq:3033" in imported
    assert "Duplicate id" not in comments_of(gazette)  # the first of the two was kept
    assert "comments imported: 14 (1 deleted, 1 pending, 11 published, 1 removed)" in imported


def test_imported_authors_cannot_sign_in_and_are_never_taken_over(gazette, imported,
                                                                   client):
    al = comments_of(gazette)["Level 3"].author
    assert al.display_name == "Al"
    assert not al.has_usable_password()
    assert al.email == ""  # a password reset by email can never reach the account
    assert "/" in al.username  # sign-up's username validator refuses "/"
    with pytest.raises(Exception):  # noqa: B017,PT011 (whatever the validator raises)
        User.username_validator(al.username)
    # The same person's comments are one author; a guest with neither name nor email is
    # "Anonymous", never a crash.
    assert comments_of(gazette)["Level 5"].author == al
    assert next(c for t, c in comments_of(gazette).items()
                if t.startswith("Café")).author.display_name == "Anonymous"
    assert ImportedAuthor.objects.filter(site=gazette, user=al).count() == 1


def test_a_second_run_changes_nothing_and_says_so(gazette, imported, btl_import):
    before = list(Comment.objects.filter(site=gazette).values_list("pk", "text", "status"))
    versions = dict(Article.objects.filter(site=gazette).values_list("pk", "thread_version"))
    again = btl_import("disqus", EXPORT)
    assert "nothing changed" in again
    assert "comments imported: 0" in again
    assert "comments already imported before: 14" in again
    assert list(Comment.objects.filter(site=gazette).values_list("pk", "text",
                                                                  "status")) == before
    assert dict(Article.objects.filter(site=gazette).values_list(
        "pk", "thread_version")) == versions
