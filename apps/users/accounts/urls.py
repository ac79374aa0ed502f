from django.urls import path

from accounts import api

urlpatterns = [
    path("api/auth/register", api.RegisterView.as_view(), name="auth-register"),
    path("api/auth/login", api.LoginView.as_view(), name="auth-login"),
    path("api/auth/refresh", api.RefreshView.as_view(), name="auth-refresh"),
    path("api/auth/logout", api.LogoutView.as_view(), name="auth-logout"),
    path("api/auth/jwks", api.JwksView.as_view(), name="auth-jwks"),
    path("api/users/me", api.MeView.as_view(), name="users-me"),
    path("api/users/me/password", api.PasswordChangeView.as_view(), name="users-me-password"),
    path("api/admin/users", api.AdminUserListView.as_view(), name="admin-users"),
]
