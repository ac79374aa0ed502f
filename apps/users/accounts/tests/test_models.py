import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import RefreshTokenFamily, User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_database_refuses_an_unknown_role():
    with pytest.raises(IntegrityError, match="accounts_user_role_valid"):
        User.objects.create(email="x@retail.test", role="ROOT")


def test_database_refuses_a_mixed_case_email():
    with pytest.raises(IntegrityError, match="accounts_user_email_lowercase"):
        User.objects.create(email="Mixed@Retail.test")


def test_database_gives_a_refresh_token_one_session():
    token = OutstandingToken.objects.create(
        user=UserFactory(), jti=uuid.uuid4().hex, token="t", expires_at=timezone.now() + timedelta(days=1)
    )
    RefreshTokenFamily.objects.create(token=token, family=uuid.uuid4())

    with pytest.raises(IntegrityError, match="accounts_refreshtokenfamily_pkey"):
        RefreshTokenFamily.objects.create(token=token, family=uuid.uuid4())
