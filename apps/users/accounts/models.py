"""Accounts: users (email login, role) and the login sessions (families) of their refresh tokens."""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    CUSTOMER = "CUSTOMER", "Customer"
    ADMIN = "ADMIN", "Admin"


def normalize_email(email: str) -> str:
    return email.strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=normalize_email(email))

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into this service's Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["date_joined"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="accounts_user_role_valid"),
            # Stored lowercase, so the plain unique index is a case-insensitive one.
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="accounts_user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.email


class RefreshTokenFamily(models.Model):
    """The login session a refresh token belongs to (simplejwt's blacklist app keeps the tokens).

    Rotation blacklists the presented token and issues the next one in the same family; presenting
    a blacklisted token again means a copy was stolen, so the whole family is blacklisted.
    """

    token = models.OneToOneField(
        "token_blacklist.OutstandingToken", on_delete=models.CASCADE, primary_key=True, related_name="family"
    )
    family = models.UUIDField(db_index=True)

    def __str__(self) -> str:
        return f"{self.family} {self.token_id}"
