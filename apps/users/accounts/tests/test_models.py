import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import RefreshToken, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_an_unknown_role():
    with pytest.raises(IntegrityError, match="accounts_user_role_valid"):
        User.objects.create(email="x@retail.test", role="ROOT")


def test_database_refuses_a_mixed_case_email():
    with pytest.raises(IntegrityError, match="accounts_user_email_lowercase"):
        User.objects.create(email="Mixed@Retail.test")


def test_database_allows_one_active_refresh_token_per_session():
    user = UserFactory()
    family = uuid.uuid4()
    expires = timezone.now() + timedelta(days=1)
    RefreshToken.objects.create(user=user, token_hash="a" * 64, family=family, expires_at=expires)

    with pytest.raises(IntegrityError, match="accounts_refresh_one_active_per_family"):
        RefreshToken.objects.create(user=user, token_hash="b" * 64, family=family, expires_at=expires)
