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

logger = logging.getLogger("storefront.auth")

AUTH_KEY = "auth"
REUSE_SECONDS = 60


class SignInRequired(Exception):
    """The page needs a signed-in shopper (none, or the session's tokens are no longer accepted)."""


def current_profile(request) -> Profile | None:
    data = request.session.get(AUTH_KEY)
    return Profile(**data["profile"]) if data else None


def sign_in(request, pair: TokenPair, profile: Profile) -> None:
    request.session.cycle_key()  # a new session id at sign-in: no session fixation
    _store(request, pair, profile)


def _store(request, pair: TokenPair, profile: Profile) -> None:
    request.session[AUTH_KEY] = {
        "access": pair.access,
        "refresh": pair.refresh,
        "expires_at": time.time() + pair.expires_in,
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
    pair = _rotated(data["refresh"])
    if pair is None:
        forget_tokens(request)
        raise SignInRequired
    _store(request, pair, Profile(**data["profile"]))
    return pair.access


def _rotated(refresh: str) -> TokenPair | None:
    """The pair that replaces `refresh` (one refresh per token, shared by concurrent requests); None if refused."""
    key = "sf:refreshed:" + hashlib.sha256(refresh.encode()).hexdigest()
    try:
        lock = cache.lock(key + ":lock", timeout=10, blocking_timeout=5)
        locked = lock.acquire()
    except Exception:  # Redis down: refresh without the lock (a race then only costs a sign-in)
        lock, locked = None, False
    try:
        done = cache.get(key)
        if done:
            return TokenPair(**done)
        try:
            pair = clients.users().refresh(refresh)
        except BackendRejected:
            return None
        cache.set(key, asdict(pair), REUSE_SECONDS)
        return pair
    finally:
        if locked:
            with contextlib.suppress(Exception):  # the lock expires by itself
                lock.release()
