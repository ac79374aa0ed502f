"""Account workflows: registration, login, token rotation, logout, profile and password."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import RefreshTokenFamily, Role, User, normalize_email
from accounts.tokens import UsersRefreshToken, access_token_for
from retail_common.domain.codes import ErrorCode
from retail_common.domain.errors import AuthenticationError, Conflict, InvalidInput

EDITABLE_PROFILE_FIELDS = ("first_name", "last_name")


class EmailTaken(Conflict, detail="An account with this email already exists.", code=ErrorCode.EMAIL_TAKEN):
    """Emails are unique, compared case-insensitively (normalize_email)."""


class InvalidCredentials(
    AuthenticationError, detail="Email or password is incorrect.", code=ErrorCode.INVALID_CREDENTIALS
):
    """One answer for an unknown email and a wrong password: it tells no one which accounts exist."""


class InvalidRefreshToken(
    AuthenticationError, detail="The refresh token is invalid, expired or already used.", code=ErrorCode.REFRESH_INVALID
):
    """A refresh token works once; a reused one also revokes its family (token_refresh)."""


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int


def _password_errors(password: str, user: User, field: str) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise InvalidInput(exc.messages[0], fields={field: list(exc.messages)}) from exc


def user_register(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create a CUSTOMER; the email is unique case-insensitively and the password must pass every validator."""
    user = User(email=normalize_email(email), first_name=first_name, last_name=last_name, role=Role.CUSTOMER)
    _password_errors(password, user, "password")
    if User.objects.filter(email=user.email).exists():
        raise EmailTaken()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken() from exc
    return user


def user_authenticate(*, email: str, password: str) -> User:
    """The active user with these credentials, or 401 (same answer for unknown email and wrong password)."""
    user = authenticate(username=normalize_email(email), password=password)
    if user is None:
        raise InvalidCredentials()
    return user


def _refresh_issue(*, user: User, family: uuid.UUID) -> str:
    token = UsersRefreshToken.for_user(user)  # signed, and recorded as an OutstandingToken
    outstanding = OutstandingToken.objects.get(jti=token["jti"])
    RefreshTokenFamily.objects.create(token=outstanding, family=family)
    return str(token)


def token_pair_issue(*, user: User) -> TokenPair:
    """A new session: an access token and the first refresh token of a new family."""
    refresh = _refresh_issue(user=user, family=uuid.uuid4())
    return TokenPair(access=access_token_for(user), refresh=refresh, expires_in=settings.JWT_ACCESS_TTL_SECONDS)


def _blacklist(outstanding: QuerySet) -> None:
    live = outstanding.filter(blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in live], ignore_conflicts=True)


def _family_revoke(family: uuid.UUID) -> None:
    _blacklist(OutstandingToken.objects.filter(family__family=family))


def _outstanding(refresh: str, *, lock: bool = False, expired: bool = False) -> OutstandingToken:
    """The issued refresh token this string is (signature, expiry and issuer checked), or 401.

    expired=True also finds an expired one, by its exact text as issued (which no forger can produce):
    a logout after the refresh token expired still ends the session.
    """
    try:
        jti = UsersRefreshToken(refresh, verify=not expired)["jti"]
    except (TokenError, KeyError) as exc:
        raise InvalidRefreshToken() from exc
    rows = OutstandingToken.objects.select_related("user", "family")
    token = (rows.select_for_update(of=("self",)) if lock else rows).filter(jti=str(jti)).first()
    if token is None or not hasattr(token, "family"):
        raise InvalidRefreshToken()
    if expired and not constant_time_compare(token.token, refresh):
        raise InvalidRefreshToken()
    return token


def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate: the presented token is blacklisted, a new one issued; presenting a blacklisted one ends the session."""
    with transaction.atomic():
        token = _outstanding(refresh, lock=True)
        if token.expires_at <= timezone.now() or token.user is None or not token.user.is_active:
            raise InvalidRefreshToken()
        reused = BlacklistedToken.objects.filter(token=token).exists()
        if not reused:
            BlacklistedToken.objects.create(token=token)
            new_refresh = _refresh_issue(user=token.user, family=token.family.family)
            return TokenPair(
                access=access_token_for(token.user), refresh=new_refresh, expires_in=settings.JWT_ACCESS_TTL_SECONDS
            )
    _family_revoke(token.family.family)  # a stolen copy is in use (or the session ended): end the whole session
    raise InvalidRefreshToken()


def token_revoke(*, refresh: str) -> None:
    """Logout: blacklist the session the refresh token belongs to (repeating it is harmless)."""
    _family_revoke(_outstanding(refresh, expired=True).family.family)


def user_profile_update(*, user: User, data: dict) -> User:
    """Only names are editable: a user can never change their own role or email here."""
    for field in EDITABLE_PROFILE_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    user.save(update_fields=[f for f in EDITABLE_PROFILE_FIELDS if f in data])
    return user


def user_password_change(*, user: User, old_password: str, new_password: str) -> None:
    """The old password must match and the new one pass every validator; other sessions are logged out."""
    if not user.check_password(old_password):
        raise InvalidInput(fields={"old_password": ["The current password is incorrect."]})
    _password_errors(new_password, user, "new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _blacklist(OutstandingToken.objects.filter(user=user))


def account_ensure(*, email: str, password: str, role: str, validate: bool = True) -> tuple[User, bool]:
    """Create or update an account with this password and role (ADMIN also gets Django admin); (user, created).

    validate=False is for the fixed dev accounts of docs/architecture.md §10, whose passwords the validators reject.
    """
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    created = user is None
    user = user or User(email=email)
    if validate:
        _password_errors(password, user, "password")
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.set_password(password)
    user.save()
    return user, created
