"""HTTP entry points of the users service: parse, call one service, serialize."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.serializers import (
    AdminUserOutput,
    LoginInput,
    PasswordChangeInput,
    ProfileOutput,
    ProfileUpdateInput,
    RefreshInput,
    RegisterInput,
    TokenPairOutput,
    UserOutput,
)
from accounts.tokens import jwks
from retail_common.auth.permissions import IsAdminRole
from retail_common.http.openapi import openapi_extensions
from retail_common.http.ratelimit import client_ip, enforce_rate_limit


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


TOO_MANY = {429: "Over the rate limit; Retry-After says when to try again."}
REFRESH_BODY = {"refresh": "$response.body#/refresh"}
# A fresh token pair can be rotated or its session ended (followed by the fuzzer's stateful phase).
TOKEN_PAIR_LINKS = {
    200: {
        "Refresh": ("POST /api/auth/refresh", {}, REFRESH_BODY),
        "Logout": ("POST /api/auth/logout", {}, REFRESH_BODY),
    }
}


def _token_response(pair: services.TokenPair) -> Response:
    return Response(
        {"access": pair.access, "refresh": pair.refresh, "token_type": "Bearer", "expires_in": pair.expires_in}
    )


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # Keeps credential failures 401 (DRF turns them into 403 when no scheme is announced).
        return 'Bearer realm="api"'


class RegisterView(PublicView):
    @extend_schema(
        request=RegisterInput,
        responses={201: UserOutput},
        summary="Create a customer account",
        extensions=openapi_extensions(
            links={
                201: {
                    "Login": (
                        "POST /api/auth/login",
                        {},
                        {"email": "$request.body#/email", "password": "$request.body#/password"},
                    )
                }
            },
            errors=TOO_MANY,
        ),
    )
    def post(self, request):
        enforce_rate_limit(
            request, group="users.register", rate=settings.USERS_RATE_REGISTER_PER_IP, key=lambda g, r: client_ip(r)
        )
        user = services.user_register(**_valid(RegisterInput, request))
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class LoginView(PublicView):
    @extend_schema(
        request=LoginInput,
        responses={200: TokenPairOutput},
        summary="Exchange credentials for tokens",
        extensions=openapi_extensions(links=TOKEN_PAIR_LINKS, errors=TOO_MANY),
    )
    def post(self, request):
        data = _valid(LoginInput, request)
        email = data["email"].strip().lower()
        enforce_rate_limit(
            request, group="users.login.ip", rate=settings.USERS_RATE_LOGIN_PER_IP, key=lambda g, r: client_ip(r)
        )
        enforce_rate_limit(
            request,
            group="users.login.ip_email",
            rate=settings.USERS_RATE_LOGIN_PER_IP_EMAIL,
            key=lambda g, r: f"{client_ip(r)}|{email}",
        )
        user = services.user_authenticate(email=email, password=data["password"])
        return _token_response(services.token_pair_issue(user=user))


class RefreshView(PublicView):
    @extend_schema(
        request=RefreshInput,
        responses={200: TokenPairOutput},
        summary="Rotate a refresh token",
        extensions=openapi_extensions(links=TOKEN_PAIR_LINKS),
    )
    def post(self, request):
        return _token_response(services.token_refresh(refresh=_valid(RefreshInput, request)["refresh"]))


class LogoutView(PublicView):
    @extend_schema(request=RefreshInput, responses={204: None}, summary="Blacklist the session of a refresh token")
    def post(self, request):
        services.token_revoke(refresh=_valid(RefreshInput, request)["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class JwksView(PublicView):
    @extend_schema(responses={200: dict}, summary="Public keys that verify access tokens (JWKS)")
    def get(self, request):
        response = Response(jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ProfileOutput}, summary="The caller's profile")
    def get(self, request):
        return Response(ProfileOutput(request.user).data)

    @extend_schema(request=ProfileUpdateInput, responses={200: ProfileOutput}, summary="Update names")
    def patch(self, request):
        user = services.user_profile_update(user=request.user, data=_valid(ProfileUpdateInput, request))
        return Response(ProfileOutput(user).data)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeInput, responses={204: None}, summary="Change the caller's password")
    def post(self, request):
        services.user_password_change(user=request.user, **_valid(PasswordChangeInput, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminUserListView(generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = AdminUserOutput

    def get_queryset(self):
        return selectors.user_list(role=self.request.query_params.get("role") or None)
