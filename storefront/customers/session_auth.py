"""The shopper's JWT pair, kept in the server-side session and refreshed before it expires.

Tokens never reach the browser: it holds only the session cookie. Refresh tokens rotate with
reuse detection in the users service, so two requests of one session refreshing at once must not
both present the old token: a short Redis lock per token lets one refresh and the other reuse
its answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from dataclasses import asdict

from backends import clients
from backends.http import BackendRejected, BackendUnavailable
from backends.users import Profile, TokenPair
from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import rotate_token

logger = logging.getLogger("storefront.auth")

AUTH_KEY = "auth"
# How long the pair that replaced a refresh token is remembered. A concurrent request of the same
# session may save the session after the refresh did, putting the old token back: for an access
# token's lifetime, presenting that old token again finds the new pair here instead of tripping
# the users service's reuse detection (which would revoke the whole family).
REUSE_SECONDS = 15 * 60


class SignInRequired(Exception):
    """The page needs a signed-in shopper (none, or the session's tokens are no longer accepted)."""


def current_profile(request) -> Profile | None:
    data = request.session.get(AUTH_KEY)
    return Profile(**data["profile"]) if data else None


def sign_in(request, pair: TokenPair, profile: Profile) -> None:
    request.session.cycle_key()  # a new session id at sign-in: no session fixation
    rotate_token(request)  # and a new CSRF token, as django.contrib.auth.login does
    _store(request, pair, time.time() + pair.expires_in, profile)


def _store(request, pair: TokenPair, expires_at: float, profile: Profile) -> None:
    request.session[AUTH_KEY] = {
        "access": pair.access,
        "refresh": pair.refresh,
        "expires_at": expires_at,
        "profile": asdict(profile),
    }


def update_profile(request, profile: Profile) -> None:
    data = dict(request.session[AUTH_KEY], profile=asdict(profile))
    request.session[AUTH_KEY] = data


def sign_out(request) -> None:
    """The shopper signs out: the refresh token is revoked and the whole session (cart too) ends."""
    data = request.session.get(AUTH_KEY)
    if data:
        try:
            clients.users().logout(data["refresh"])
        except (BackendRejected, BackendUnavailable) as exc:  # the session ends here either way
            logger.info("logout not confirmed by users: %s", exc)
    request.session.flush()


def forget_tokens(request) -> None:
    """The backends no longer accept this session's tokens: drop them, keep the cart for after sign-in."""
    request.session.pop(AUTH_KEY, None)
    request.session.cycle_key()


def access_token(request) -> str:
    """A valid access token of the signed-in shopper, refreshed first when it is about to expire."""
    data = request.session.get(AUTH_KEY)
    if not data:
        raise SignInRequired
    if data["expires_at"] - time.time() > settings.TOKEN_REFRESH_MARGIN_SECONDS:
        return data["access"]
    rotated = _rotated(data["refresh"])
    if rotated is None:
        forget_tokens(request)
        raise SignInRequired
    pair, expires_at = rotated
    _store(request, pair, expires_at, Profile(**data["profile"]))
    return pair.access


def _refresh_lock(key: str):
    """This token's refresh lock, held; False if another request still holds it after our wait;
    None when Redis is down (then we refresh without it: a race only costs a sign-in)."""
    try:
        # Waits longer than the users call can take, so a waiting request never refreshes beside the holder.
        lock = cache.lock(key + ":lock", timeout=30, blocking_timeout=settings.BACKEND_TIMEOUT_SECONDS + 5)
        return lock if lock.acquire() else False
    except Exception:  # any Redis failure
        return None


def _rotated(refresh: str) -> tuple[TokenPair, float] | None:
    """The pair that replaces `refresh` and when its access token expires (one refresh per token,
    shared by concurrent requests); None when the users service refuses the token."""
    key = "sf:refreshed:" + hashlib.sha256(refresh.encode()).hexdigest()
    lock = _refresh_lock(key)
    try:
        done = cache.get(key)
        if done:
            return TokenPair(**done["pair"]), done["expires_at"]
        if lock is False:
            raise BackendUnavailable("users", "a token refresh of this session is still running")
        try:
            pair = clients.users().refresh(refresh)
        except BackendRejected:
            return None
        expires_at = time.time() + pair.expires_in
        cache.set(key, {"pair": asdict(pair), "expires_at": expires_at}, REUSE_SECONDS)
        return pair, expires_at
    finally:
        if lock:
            with contextlib.suppress(Exception):  # the lock expires by itself
                lock.release()
