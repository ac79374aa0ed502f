"""Sign-in, registration, sign-out and the account page, and the JWT pair kept (and refreshed) in the session."""

import hashlib
import re
import time
import uuid

import pytest
from backends import clients
from django.conf import settings as django_settings
from django.core.cache import cache

from conftest import PASSWORD, new_product, register
from customers import session_auth
from retail_dev.shop_client import call

pytestmark = pytest.mark.django_db


def new_email() -> str:
    return f"shopper-{uuid.uuid4().hex[:10]}@retail.test"


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"email": email, "password": password, **extra})


def session_cookie(client) -> str:
    cookie = client.cookies.get(django_settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else ""


def field_error(html: str, name: str) -> str:
    """The error under a field; asserts the control is marked invalid and points at it."""
    tag = re.search(rf'<input\b[^>]*\bname="{name}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and f"id_{name}_error" in tag, tag
    return re.search(rf'<p class="field__error" id="id_{name}_error">(.*?)</p>', html).group(1)


def me(access: str, stack) -> dict:
    answer = call("GET", f"{stack.urls['users']}/api/users/me", bearer=access)
    assert answer.status == 200, answer.body
    return answer.body


def test_register_signs_in_with_a_new_session_key_and_keeps_the_cart(client, stack):
    product = new_product(stack, on_hand=5)
    client.post(f"/products/{product['slug']}/add/", {"quantity": 2})
    anonymous = session_cookie(client)
    assert anonymous

    email = new_email()
    response = client.post(
        "/register/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": email,
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain == [("/", 302)]
    assert "Welcome, Ada! Your account is ready." in response.content.decode()
    signed_in = session_cookie(client)
    assert signed_in and signed_in != anonymous, "a new session id at sign-in (no session fixation)"
    assert client.session["cart"] == {str(product["id"]): 2}
    assert client.session["auth"]["profile"]["email"] == email
    assert me(client.session["auth"]["access"], stack)["email"] == email


def test_register_with_an_email_in_use_says_so_next_to_the_email(client, stack):
    email = register(client)
    client.post("/logout/")

    response = client.post(
        "/register/",
        {"first_name": "Eve", "last_name": "X", "email": email, "password": PASSWORD, "password_again": PASSWORD},
    )

    assert response.status_code == 409
    assert (
        field_error(response.content.decode(), "email") == "An account with this email exists already. Sign in instead?"
    )
    assert "auth" not in client.session


def test_register_with_a_weak_password_shows_the_rule(client, stack):
    email = new_email()

    response = client.post(
        "/register/",
        {"first_name": "Ada", "last_name": "L", "email": email, "password": "12345678", "password_again": "12345678"},
    )

    assert response.status_code == 400
    error = field_error(response.content.decode(), "password")
    assert "too common" in error
    assert "auth" not in client.session
    assert login(client, email, "12345678").status_code == 401, "no account was made"


def test_register_with_differing_passwords(client, stack):
    response = client.post(
        "/register/",
        {"first_name": "A", "last_name": "L", "email": new_email(), "password": PASSWORD, "password_again": "other-7"},
    )

    assert response.status_code == 400
    assert field_error(response.content.decode(), "password_again") == "The two passwords differ."


def test_login_with_a_wrong_password_is_a_friendly_401(client, stack):
    email = register(client)
    client.post("/logout/")

    response = login(client, email, "not-the-password")

    assert response.status_code == 401
    html = response.content.decode()
    assert "Email or password is incorrect." in html
    assert f'value="{email}"' in html, "the email stays filled in"
    assert "auth" not in client.session


def test_login_rate_limit_after_five_wrong_attempts(client, stack):
    # The users service counts in fixed one-minute windows: should one roll over mid-sequence, the
    # count restarts, so the sequence is tried once more with another email (it cannot roll twice).
    for _ in range(2):
        email = new_email()
        statuses = [login(client, email, "wrong-password").status_code for _ in range(5)]
        sixth = login(client, email, "wrong-password")
        if sixth.status_code == 429:
            break

    assert statuses == [401] * 5
    assert sixth.status_code == 429
    assert re.search(r"Too many sign-in attempts\. Please wait \d+ seconds and try again\.", sixth.content.decode())
    assert login(client, new_email(), "wrong-password").status_code == 401, "another email is not limited"


def test_login_redirects_to_a_local_next_only(client, stack):
    email = register(client)
    client.post("/logout/")

    local = login(client, email, next="/orders/")
    client.post("/logout/")
    evil = login(client, email, next="https://evil.example/")
    client.post("/logout/")
    sneaky = login(client, email, next="//evil.example/")

    assert local["Location"] == "/orders/"
    assert evil["Location"] == "/"
    assert sneaky["Location"] == "/"


def test_login_page_keeps_next_and_ignores_a_foreign_one(client, stack):
    local = client.get("/login/", {"next": "/checkout/"})
    foreign = client.get("/login/", {"next": "https://evil.example/"})

    assert '<input type="hidden" name="next" value="/checkout/">' in local.content.decode()
    assert '<input type="hidden" name="next" value="/">' in foreign.content.decode()
    assert "evil.example" not in foreign.content.decode()


def test_logout_needs_post_and_ends_the_session(client, shopper, stack):
    refresh = client.session["auth"]["refresh"]

    assert client.get("/logout/").status_code == 405
    assert client.get("/orders/").status_code == 200, "a GET does not sign out"

    response = client.post("/logout/", follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "You are signed out." in response.content.decode()
    assert "auth" not in client.session
    assert client.get("/orders/")["Location"] == "/login/?next=%2Forders%2F"
    refreshed = call("POST", f"{stack.urls['users']}/api/auth/refresh", {"refresh": refresh})
    assert refreshed.status == 401, "the refresh token was revoked"


def test_account_page_saves_the_profile(client, shopper, stack):
    response = client.post(
        "/account/", {"action": "profile", "first_name": "Grace", "last_name": "Hopper"}, follow=True
    )

    assert response.redirect_chain == [("/account/", 302)]
    html = response.content.decode()
    assert "Your profile is saved." in html
    assert 'value="Grace"' in html and 'value="Hopper"' in html
    assert ">Grace</a>" in html, "the header greets the new name"
    profile = me(client.session["auth"]["access"], stack)
    assert (profile["first_name"], profile["last_name"]) == ("Grace", "Hopper")


def test_account_profile_needs_both_names(client, shopper, stack):
    response = client.post("/account/", {"action": "profile", "first_name": "", "last_name": "Hopper"})

    assert response.status_code == 400
    assert field_error(response.content.decode(), "first_name") == "This field is required."
    assert me(client.session["auth"]["access"], stack)["first_name"] == "Ada"


def test_password_change_with_a_wrong_current_password(client, shopper, stack):
    new = "Another-Good-Pass-9"

    response = client.post(
        "/account/",
        {"action": "password", "old_password": "wrong-one", "new_password": new, "new_password_again": new},
    )

    assert response.status_code == 400
    assert field_error(response.content.decode(), "old_password") == "The current password is incorrect."
    client.post("/logout/")
    assert login(client, shopper, PASSWORD).status_code == 302, "the old password still works"


def test_password_change_keeps_the_shopper_signed_in(client, shopper, stack):
    new = "Another-Good-Pass-9"
    old_refresh = client.session["auth"]["refresh"]

    response = client.post(
        "/account/",
        {"action": "password", "old_password": PASSWORD, "new_password": new, "new_password_again": new},
        follow=True,
    )

    assert response.redirect_chain == [("/account/", 302)]
    assert "Your password is changed." in response.content.decode()
    assert client.session["auth"]["refresh"] != old_refresh
    assert client.get("/orders/").status_code == 200
    client.post("/logout/")
    assert login(client, shopper, PASSWORD).status_code == 401
    assert login(client, shopper, new).status_code == 302


def test_an_expired_access_token_is_refreshed_on_the_next_page(client, shopper, stack):
    before = client.session["auth"]
    session = client.session
    data = session["auth"]
    data["expires_at"] = 0
    session["auth"] = data
    session.save()

    page = client.get("/orders/")

    assert page.status_code == 200
    after = client.session["auth"]
    assert after["access"] != before["access"]
    assert after["refresh"] != before["refresh"]
    assert after["expires_at"] > time.time() + 60
    assert me(after["access"], stack)["email"] == shopper


def test_a_refused_refresh_signs_the_shopper_out(client, shopper, stack):
    session = client.session
    data = session["auth"]
    call("POST", f"{stack.urls['users']}/api/auth/logout", {"refresh": data["refresh"]})
    data["expires_at"] = 0
    session["auth"] = data
    session.save()

    response = client.get("/orders/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Forders%2F"
    assert "auth" not in client.session


def test_rotating_one_refresh_token_twice_gives_the_same_pair(client, shopper, stack):
    refresh = client.session["auth"]["refresh"]

    first = session_auth._rotated(refresh)
    second = session_auth._rotated(refresh)

    assert first is not None
    assert second == first, "the second answer comes from the cache"
    pair, expires_at = first
    remembered = cache.get("sf:refreshed:" + hashlib.sha256(refresh.encode()).hexdigest())
    assert remembered == {
        "pair": {"access": pair.access, "refresh": pair.refresh, "expires_in": pair.expires_in},
        "expires_at": expires_at,
    }
    # Had the old token been presented twice, reuse detection would have revoked the whole session.
    assert clients.users().refresh(pair.refresh).access


def test_login_while_users_is_down_says_so(client, stack, settings, closed_url):
    settings.STOREFRONT_BACKENDS = {**settings.STOREFRONT_BACKENDS, "users": closed_url}

    response = login(client, new_email())

    assert response.status_code == 503
    html = response.content.decode()
    assert "Accounts are temporarily unavailable." in html
    assert "Traceback" not in html
    assert "auth" not in client.session


def test_account_page_needs_sign_in(client, stack):
    response = client.get("/account/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccount%2F"


def test_a_token_the_backends_refuse_ends_the_session_but_keeps_the_cart(client, shopper, stack):
    session = client.session
    session["auth"] = {**session["auth"], "access": "not.a.token", "expires_at": time.time() + 900}
    session["cart"] = {"1": 2}
    session.save()

    response = client.get("/orders/", follow=True)

    assert response.redirect_chain == [("/login/?next=%2Forders%2F", 302)]
    assert "Your session has ended. Please sign in again." in response.content.decode()
    assert "auth" not in client.session
    assert client.session["cart"] == {"1": 2}, "the shopper signs in again to the same cart"
