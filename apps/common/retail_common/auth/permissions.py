from rest_framework.permissions import BasePermission

from retail_common.auth.authentication import ROLE_ADMIN


class IsAdminRole(BasePermission):
    """Only callers whose token (or account) carries role ADMIN."""

    message = "This endpoint requires the ADMIN role."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", None) == ROLE_ADMIN)
