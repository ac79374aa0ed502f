from rest_framework import exceptions

from accounts.models import User
from retail_common.auth.authentication import JWTAuthentication
from retail_common.domain.codes import ErrorCode


class UserJWTAuthentication(JWTAuthentication):
    """The shared RS256 verification, then the account itself (users owns it)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        token_user, claims = result
        user = User.objects.filter(pk=token_user.id, is_active=True).first()
        if user is None:
            raise exceptions.AuthenticationFailed(
                "The account no longer exists or is disabled.", code=ErrorCode.USER_INACTIVE
            )
        return user, claims
