"""Signing up, in and out through the pages, and the header that offers them."""

from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from belowtheline.accounts.models import User
from tests.accounts.factories import PASSWORD

GOOD = {
    "username": "newreader",
    "display_name": "New Reader",
    "email": "new@example.org",
    "password": "a-long-and-unusual-passphrase",
    "password_again": "a-long-and-unusual-passphrase",
}


def test_signup_creates_the_account_signs_in_and_returns_to_next(client, site):
    next_url = f"/sites/{site.slug}/rules/"
    response = client.post(reverse("signup"), {**GOOD, "next": next_url})
    user = User.objects.get(username="newreader")
    assert response.status_code == 303
    assert response["Location"] == next_url
    assert user.public_name == "New Reader"
    assert client.session[SESSION_KEY] == str(user.pk)


def test_signup_does_not_follow_an_unsafe_next(client, db):
    response = client.post(reverse("signup"), {**GOOD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_signup_with_a_weak_password_shows_why(client, db):
    response = client.post(
        reverse("signup"), {**GOOD, "password": "password", "password_again": "password"}
    )
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not User.objects.exists()


def test_signup_with_a_taken_username_shows_why(client, reader):
    response = client.post(reverse("signup"), {**GOOD, "username": "RITA"})
    assert response.status_code == 400
    assert "That username is already taken." in response.content.decode()


def test_signup_passwords_must_match(client, db):
    response = client.post(reverse("signup"), {**GOOD, "password_again": "something-else"})
    assert response.status_code == 400
    assert "The two passwords do not match." in response.content.decode()


def test_signup_is_rate_limited_per_address(client, db, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "signup": "1/3600"}
    client.post(reverse("signup"), GOOD)
    client.logout()
    response = client.post(reverse("signup"), {**GOOD, "username": "another"})
    assert response.status_code == 429
    assert "Too many new accounts" in response.content.decode()
    assert User.objects.count() == 1


def test_login_page_signs_in_and_returns_to_next(client, reader):
    page = client.get(reverse("login"), {"next": "/sites/gazette/rules/"})
    assert page.status_code == 200
    assert 'name="next" value="/sites/gazette/rules/"' in page.content.decode()

    response = client.post(
        reverse("login"),
        {"username": "rita", "password": PASSWORD, "next": "/sites/gazette/rules/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/sites/gazette/rules/"
    assert client.session[SESSION_KEY] == str(reader.pk)


def test_login_with_a_wrong_password_says_so(client, reader):
    response = client.post(reverse("login"), {"username": "rita", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_does_not_follow_an_unsafe_next(client, reader):
    response = client.post(
        reverse("login"), {"username": "rita", "password": PASSWORD, "next": "https://evil.example"}
    )
    assert response["Location"] == "/"


def test_logout_is_post_only_and_returns_to_next(client, reader):
    client.force_login(reader)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), {"next": "/sites/gazette/rules/"})
    assert response.status_code == 302
    assert response["Location"] == "/sites/gazette/rules/"
    assert SESSION_KEY not in client.session


def test_header_offers_sign_in_and_up_back_to_this_page(client, site, rules):
    html = client.get(reverse("rules", args=[site.slug])).content.decode()
    assert 'href="/accounts/login/?next=/sites/gazette/rules/">Sign in</a>' in html
    assert 'href="/accounts/signup/?next=/sites/gazette/rules/">Sign up</a>' in html


def test_header_shows_the_signed_in_name_and_a_sign_out_button(client, site, rules, reader):
    client.force_login(reader)
    html = client.get(reverse("rules", args=[site.slug])).content.decode()
    assert "Rita Reader" in html
    assert 'action="/accounts/logout/"' in html
    assert "Sign out</button>" in html
    assert ">Sign in</a>" not in html


def test_sign_in_attempts_are_throttled_per_address(client, settings, db):
    from tests.accounts.factories import PASSWORD, UserFactory

    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "login": "3/300"}
    user = UserFactory(username="target")
    for _ in range(3):
        wrong = client.post("/accounts/login/", {"username": "target", "password": "guess"})
        assert wrong.status_code == 200
    # Even the right password is refused once the address has used up its attempts.
    right = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})
    assert right.status_code == 429
    assert "Too many sign-in attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert user.is_active
