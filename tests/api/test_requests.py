"""The HTTP layer: bodies that are not JSON, CSRF, unknown addresses, and the API's docs.

Whatever arrives, the answer is JSON with a code, and bad input changes nothing.
"""

import re

import pytest
from django.test import Client

from belowtheline.discussion.models import Comment, Report
from tests.api.conftest import api_path, send


def comments_path(site, article) -> str:
    return api_path(site, f"articles/{article.pk}/comments")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"text": "Hi"', "application/json", 400, "malformed_json"),
        (b"text=Hi", "application/json", 400, "malformed_json"),
        (b'{"text": NaN}', "application/json", 400, "malformed_json"),
        (b'{"text": "caf\xe9"}', "application/json", 400, "invalid_encoding"),
        (b'\xff\xfe{\x00"\x00', "application/json", 400, "invalid_encoding"),
        (b'["Hi"]', "application/json", 400, "invalid_input"),
        (b'"Hi"', "application/json", 400, "invalid_input"),
        (b"null", "application/json", 400, "invalid_input"),
        (b"", "application/json", 400, "invalid_input"),
        (b'{"text": "Hi"}', "text/plain", 415, "unsupported_media_type"),
        (b"text=Hi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"text": "Hi"}', "application/json; charset=latin-1", 415, "unsupported_media_type"),
    ],
)
def test_a_body_that_is_not_a_json_object_changes_nothing(
    as_subscriber, site, article, body, content_type, status, code
):
    response = send(as_subscriber, "post", comments_path(site, article), body,
                    content_type=content_type)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert not Comment.objects.filter(site=site).exists()


def test_json_with_a_charset_and_a_json_suffix_type_is_accepted(as_subscriber, site, article):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = send(as_subscriber, "post", comments_path(site, article),
                        '{"text": "Grüße"}'.encode(), content_type=content_type)
        assert response.status_code == 201
        assert response.json()["text"] == "Grüße"


def test_a_body_over_the_size_limit_is_refused(settings, as_subscriber, site, article):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = send(as_subscriber, "post", comments_path(site, article), {"text": "x" * 2000})

    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert not Comment.objects.filter(site=site).exists()


def test_a_report_in_a_form_post_is_refused(as_reader, site, comment):
    response = as_reader.post(api_path(site, f"comments/{comment.pk}/reports"),
                              {"reason": "spam"})

    assert response.status_code == 415
    assert not Report.objects.filter(site=site).exists()


@pytest.fixture
def csrf_client(client_for, subscriber) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    return client


def test_a_signed_in_write_without_the_csrf_token_is_refused(csrf_client, site, article,
                                                              comment):
    attempts = [
        send(csrf_client, "post", comments_path(site, article), {"text": "Forged."}),
        send(csrf_client, "patch", api_path(site, f"comments/{comment.pk}"), {"text": "Forged."}),
        csrf_client.delete(api_path(site, f"comments/{comment.pk}")),
        send(csrf_client, "post", api_path(site, "rules/acceptance"), {}),
    ]

    for response in attempts:
        assert response.status_code == 403
        assert response.json()["code"] == "csrf_failed"
    comment.refresh_from_db()
    assert (comment.text, comment.status) == ("The bridge is overdue.", "published")
    assert Comment.objects.filter(site=site).count() == 1


def test_a_signed_in_write_with_the_csrf_token_goes_through(csrf_client, site, article):
    csrf_client.get(api_path(site, "me"))  # sets the csrftoken cookie
    token = csrf_client.cookies["csrftoken"].value

    response = send(csrf_client, "post", comments_path(site, article), {"text": "Genuine."},
                    headers={"X-CSRFToken": token})

    assert response.status_code == 201


def test_an_anonymous_write_needs_no_token_and_is_asked_to_sign_in(site, article, rules):
    response = send(Client(enforce_csrf_checks=True), "post", comments_path(site, article),
                    {"text": "Hello"})

    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_required"


def test_reads_need_no_csrf_token(csrf_client, site, article):
    assert csrf_client.get(api_path(site, f"articles/{article.pk}/thread")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/nothing-here",
        "/api/v1/sites/gazette/articles/abc/thread",
        "/api/v1/sites/gazette/rules/",
        "/api/v1/sites/gaz%00ette/rules",
    ],
)
def test_an_unknown_address_is_a_json_404(anonymous, site, path):
    response = anonymous.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_method_an_address_does_not_take_is_a_json_405(anonymous, site):
    response = anonymous.put(api_path(site, "rules"))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_an_id_too_large_for_the_database_is_bad_input(anonymous, site):
    response = anonymous.get(api_path(site, f"articles/{2**64}/thread"))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == "article_id"


def test_the_openapi_description_lists_every_endpoint_with_its_errors(anonymous):
    response = anonymous.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    operations = {
        (method.upper(), path.removeprefix("/api/v1/sites/{site}/"))
        for path, methods in schema["paths"].items()
        for method in methods
    }
    assert operations == {
        ("GET", "articles/{article_id}/thread"),
        ("GET", "articles/{article_id}/thread/viewer"),
        ("GET", "thread"),
        ("POST", "articles/{article_id}/comments"),
        ("PATCH", "comments/{comment_id}"),
        ("DELETE", "comments/{comment_id}"),
        ("PUT", "comments/{comment_id}/recommendation"),
        ("DELETE", "comments/{comment_id}/recommendation"),
        ("POST", "comments/{comment_id}/reports"),
        ("GET", "rules"),
        ("POST", "rules/acceptance"),
        ("GET", "me"),
        ("GET", "moderation/queue"),
        ("GET", "moderation/decided"),
        ("GET", "moderation/cover"),
        ("GET", "moderation/comments/{comment_id}/audit"),
        ("GET", "moderation/users/{user_id}/audit"),
        ("POST", "moderation/comments/{comment_id}/dismiss"),
        ("POST", "moderation/comments/{comment_id}/amend"),
        ("POST", "moderation/comments/{comment_id}/remove"),
        ("POST", "moderation/comments/{comment_id}/hold"),
        ("POST", "moderation/comments/{comment_id}/release"),
        ("POST", "moderation/comments/{comment_id}/approve"),
        ("POST", "moderation/comments/{comment_id}/reject"),
        ("POST", "moderation/users/{user_id}/sanctions"),
        ("POST", "moderation/sanctions/{sanction_id}/lift"),
        ("DELETE", "moderation/sanctions/{sanction_id}"),
        ("POST", "moderation/users/{user_id}/notes"),
        ("POST", "moderation/users/{user_id}/remove-all"),
        ("PUT", "moderation/articles/{article_id}/comment-mode"),
        ("PUT", "articles"),
        ("GET", "me/data"),
        ("POST", "me/account-deletion"),
        ("GET", "readers/{user_id}/data"),
        ("POST", "readers/{user_id}/account-deletion"),
    }
    post = schema["paths"]["/api/v1/sites/{site}/articles/{article_id}/comments"]["post"]
    assert post["responses"]["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    for code in ("sign_in_required", "subscription_required", "rules_not_accepted",
                 "csrf_failed"):
        assert f"`{code}`" in post["responses"]["403"]["description"]
    assert "`unsupported_media_type`" in post["responses"]["415"]["description"]
    assert post["security"] == [{"session": [], "csrf": []}, {"bearer": []}]
    assert set(schema["components"]["securitySchemes"]) == {"session", "csrf", "bearer"}
    assert "`token_expired`" in post["responses"]["401"]["description"]
    thread = schema["paths"]["/api/v1/sites/{site}/articles/{article_id}/thread"]["get"]
    assert "`article_not_found`" in thread["responses"]["404"]["description"]
    assert {} in thread["security"]
    # Served as stored bytes, the thread is still described by its schema.
    assert thread["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThreadOut"
    }
    assert "304" in thread["responses"]
    viewer = schema["paths"]["/api/v1/sites/{site}/articles/{article_id}/thread/viewer"]["get"]
    assert viewer["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThreadViewerOut"
    }


def test_the_docs_page_uses_our_own_static_files(anonymous):
    response = anonymous.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    assert all(asset.startswith("/static/") for asset in assets)
    # No third-party host anywhere (the CSP nonce is random text, so it is left out).
    without_nonces = re.sub(r'nonce="[^"]*"', "", html)
    assert not re.search(r"cdn|https?://", without_nonces.lower())
    assert '"url": "/api/v1/openapi.json"' in html
    for asset in assets:
        assert anonymous.get(asset).status_code == 200
