from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from belowtheline import clock
from belowtheline.accounts.errors import NotASubscriber, NotSignedIn
from belowtheline.discussion import services
from belowtheline.discussion.errors import Conflict, DiscussionError, Forbidden
from belowtheline.discussion.hooks import Outcome, Verdict, _publish_rules, register_publish_rule
from belowtheline.discussion.models import Article, Comment
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory


def _count(article: Article) -> int:
    article.refresh_from_db()
    return article.comment_count


def test_subscriber_comment_appears_at_once_and_is_counted(site, article, subscriber):
    comment = services.post_comment(
        site=site, article=article, author=subscriber, text="  First!\r\nSecond line  "
    )
    assert comment.status == Comment.Status.PUBLISHED
    assert comment.text == "First!\nSecond line"
    assert _count(article) == 1


def test_reply_to_a_reply_hangs_from_the_same_top_level_comment(
    site, article, subscriber, other_subscriber
):
    top = services.post_comment(site=site, article=article, author=subscriber, text="Top")
    reply = services.post_comment(
        site=site, article=article, author=other_subscriber, text="Reply", parent=top
    )
    deeper = services.post_comment(
        site=site, article=article, author=subscriber, text="Reply to reply", parent=reply
    )
    assert (reply.thread_root, deeper.thread_root, deeper.parent) == (top, top, reply)
    assert _count(article) == 3


def test_anonymous_visitor_cannot_comment(site, article, rules):
    with pytest.raises(NotSignedIn) as exc:
        services.post_comment(site=site, article=article, author=AnonymousUser(), text="Hi")
    assert (exc.value.code, exc.value.status) == ("sign_in_required", 403)
    assert not Comment.objects.exists()


def test_signed_in_reader_who_is_not_a_subscriber_cannot_comment(site, article, rules, reader):
    with pytest.raises(NotASubscriber) as exc:
        services.post_comment(site=site, article=article, author=reader, text="Hi")
    assert (exc.value.code, exc.value.status) == ("subscription_required", 403)
    assert not Comment.objects.exists()


def test_lapsed_or_expired_subscription_loses_the_right_to_comment(site, article, rules):
    expired = make_subscriber(site, username="expired")
    expired.subscriptions.update(expires_at=clock.now() - timedelta(days=1))
    lapsed = make_subscriber(site, username="lapsed")
    lapsed.subscriptions.update(status="lapsed")
    for user in (expired, lapsed):
        with pytest.raises(NotASubscriber):
            services.post_comment(site=site, article=article, author=user, text="Hi")


def test_subscription_to_another_site_does_not_count(site, article, rules):
    other = ArticleFactory().site
    user = make_subscriber(other, username="elsewhere", accept_rules=False)
    with pytest.raises(NotASubscriber):
        services.post_comment(site=site, article=article, author=user, text="Hi")


def test_subscriber_must_accept_rules_before_first_comment(site, article, rules):
    user = make_subscriber(site, accept_rules=False)
    with pytest.raises(Forbidden) as exc:
        services.post_comment(site=site, article=article, author=user, text="Hi")
    assert exc.value.code == "rules_not_accepted"
    acceptance = services.accept_rules(site=site, user=user)
    assert acceptance.rules_version == rules
    services.post_comment(site=site, article=article, author=user, text="Hi")
    assert _count(article) == 1


def test_new_rules_version_asks_for_acceptance_again(site, article, rules, subscriber):
    services.post_comment(site=site, article=article, author=subscriber, text="Before")
    RulesVersionFactory(site=site, number=2)
    with pytest.raises(Forbidden) as exc:
        services.post_comment(site=site, article=article, author=subscriber, text="After")
    assert exc.value.code == "rules_not_accepted"


def test_commenting_waits_for_the_site_to_publish_rules(site, article):
    user = make_subscriber(site, accept_rules=False)
    with pytest.raises(Conflict) as exc:
        services.post_comment(site=site, article=article, author=user, text="Hi")
    assert exc.value.code == "rules_not_published"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "text_empty"),
        ("   \n\t  ", "text_empty"),
        ("x" * 5001, "text_too_long"),
        ("bad \x00 byte", "text_invalid"),
        ("lone \ud800 surrogate", "text_invalid"),
        ("bell \x07", "text_invalid"),
        (None, "text_invalid"),
    ],
)
def test_bad_text_is_refused_and_nothing_is_stored(site, article, subscriber, text, code):
    with pytest.raises(DiscussionError) as exc:
        services.post_comment(site=site, article=article, author=subscriber, text=text)
    assert (exc.value.code, exc.value.field, exc.value.status) == (code, "text", 400)
    assert not Comment.objects.exists()
    assert _count(article) == 0


def test_five_thousand_characters_is_allowed(site, article, subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber, text="é" * 5000)
    assert len(comment.text) == 5000


def test_reply_must_be_to_a_comment_of_the_same_article(site, article, subscriber):
    other_article = ArticleFactory(site=site)
    elsewhere = services.post_comment(
        site=site, article=other_article, author=subscriber, text="On the other story"
    )
    with pytest.raises(DiscussionError) as exc:
        services.post_comment(
            site=site, article=article, author=subscriber, text="Reply", parent=elsewhere
        )
    assert (exc.value.code, exc.value.field) == ("parent_not_in_article", "parent_id")
    assert _count(article) == 0


def test_cannot_reply_to_a_deleted_comment(site, article, subscriber, other_subscriber):
    top = services.post_comment(site=site, article=article, author=subscriber, text="Top")
    services.delete_own_comment(site=site, comment_id=top.pk, author=subscriber)
    with pytest.raises(Conflict):
        services.post_comment(
            site=site, article=article, author=other_subscriber, text="Late", parent=top
        )


def test_closed_article_refuses_comments(site, subscriber):
    closed = ArticleFactory(site=site, comment_mode=Article.CommentMode.CLOSED)
    with pytest.raises(Forbidden) as exc:
        services.post_comment(site=site, article=closed, author=subscriber, text="Hi")
    assert exc.value.code == "article_closed"


def test_premoderated_article_holds_comments_out_of_the_count(site, subscriber):
    sensitive = ArticleFactory(site=site, comment_mode=Article.CommentMode.PREMODERATED)
    comment = services.post_comment(site=site, article=sensitive, author=subscriber, text="Hi")
    assert comment.status == Comment.Status.PENDING
    assert _count(sensitive) == 0


def test_registered_publish_rule_can_hold_a_comment(site, article, subscriber):
    def author_is_on_premoderation(new, now):
        return Verdict(Outcome.HOLD, "author_premoderated") if new.author == subscriber else None

    register_publish_rule(author_is_on_premoderation)
    try:
        comment = services.post_comment(site=site, article=article, author=subscriber, text="Hi")
    finally:
        _publish_rules.remove(author_is_on_premoderation)
    assert comment.status == Comment.Status.PENDING


def test_article_of_another_site_is_not_found(site, subscriber):
    foreign = ArticleFactory()
    with pytest.raises(DiscussionError) as exc:
        services.post_comment(site=site, article=foreign, author=subscriber, text="Hi")
    assert exc.value.status == 404


# --- the write path: one transaction, few queries -------------------------------------------

def _statements(context) -> list[str]:
    return [query["sql"].lstrip().split(" ", 1)[0].upper() for query in context.captured_queries]


def _one_transaction_holds_every_write(statements: list[str]) -> None:
    """Inside the test's own transaction every atomic() is a savepoint: exactly one at the
    outside here (the scoring task's row has its own inside it), and no INSERT, UPDATE or
    DELETE outside it (the rate-limit counter is in the cache)."""
    depth, outermost, inside = 0, 0, [False] * len(statements)
    for n, statement in enumerate(statements):
        if statement == "SAVEPOINT":
            outermost += depth == 0
            depth += 1
        inside[n] = depth > 0
        if statement == "RELEASE":
            depth -= 1
    assert outermost == 1
    outside = [s for s, within in zip(statements, inside, strict=True) if not within]
    assert not {"INSERT", "UPDATE", "DELETE"} & set(outside)


def test_a_post_is_one_transaction_of_eight_queries(
    covered_site, article, subscriber, django_assert_num_queries
):
    services.post_comment(site=covered_site, article=article, author=subscriber, text="Warm")
    # The subscription read; then, in one transaction: the comment, its scoring task's row
    # (in a savepoint of its own: a failed enqueue never fails the post), and the
    # article's count and thread version in one statement. Rules, cover, sanctions, the
    # author's acceptance of the current rules and the site's webhook endpoints come from
    # memory.
    with django_assert_num_queries(8) as context:
        services.post_comment(site=covered_site, article=article, author=subscriber,
                              text="Second thoughts")
    _one_transaction_holds_every_write(_statements(context))


def test_a_post_with_a_subscriber_token_is_one_transaction_end_to_end(
    site, rules, article, django_assert_max_num_queries
):
    from django.test import Client

    from tests.api.test_bearer_tokens import SECRET, bearer, token

    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    client, auth = Client(), bearer(token(site))
    path = f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments"
    client.post(f"/api/v1/sites/{site.slug}/rules/acceptance", content_type="application/json",
                **auth)
    assert client.post(path, {"text": "Warm"}, content_type="application/json",
                       **auth).status_code == 201
    with django_assert_max_num_queries(10) as context:
        response = client.post(path, {"text": "As a reader with a token"},
                               content_type="application/json", **auth)
    assert response.status_code == 201
    _one_transaction_holds_every_write(_statements(context))


def test_an_acceptance_is_seen_on_the_next_post_after_a_refusal(site, article, rules):
    """Only a "yes" is remembered: a subscriber refused for not having accepted the rules
    may post as soon as they accept them."""
    newcomer = make_subscriber(site, accept_rules=False)
    with pytest.raises(Forbidden):
        services.post_comment(site=site, article=article, author=newcomer, text="Too soon")
    services.accept_rules(site=site, user=newcomer)
    services.post_comment(site=site, article=article, author=newcomer, text="Now then")
