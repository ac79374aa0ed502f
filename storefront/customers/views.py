"""Sign-in, registration, sign-out and the account page: thin views over the users client."""

from __future__ import annotations

from backends import clients
from backends.http import BackendRejected, BackendUnavailable
from backends.users import Profile, RateLimited
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from storefront_service.form_errors import add_backend_errors
from storefront_service.request_guard import unreadable

from customers import session_auth
from customers.decorators import shopper_required
from customers.forms import LoginForm, PasswordChangeForm, ProfileForm, RegisterForm

UNAVAILABLE = "Accounts are temporarily unavailable. Your cart is kept; please try again in a minute."


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=False)
    return candidate if safe and candidate.startswith("/") and not unreadable(candidate) else "/"


def _sign_in(request, email: str, password: str) -> Profile:
    users = clients.users()
    pair = users.login(email, password, client_ip=request.META.get("REMOTE_ADDR", ""))
    profile = users.me(pair.access)
    session_auth.sign_in(request, pair, profile)
    return profile


def login_view(request):
    form = LoginForm(request.POST if request.method == "POST" else None)  # an empty POST is bound too
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                profile = _sign_in(request, form.cleaned_data["email"], form.cleaned_data["password"])
            except RateLimited as exc:
                form.add_error(None, f"Too many sign-in attempts. Please wait {exc.retry_after} seconds and try again.")
                status = 429
            except BackendRejected as exc:
                form.add_error(None, "Email or password is incorrect." if exc.status == 401 else exc.detail)
                status = 401 if exc.status == 401 else 400
            except BackendUnavailable:
                form.add_error(None, UNAVAILABLE)
                status = 503
            else:
                messages.success(request, f"Welcome back, {profile.display_name}.")
                return redirect(_next_url(request))
    return render(request, "customers/login.html", {"form": form, "next": _next_url(request)}, status=status)


def register_view(request):
    form = RegisterForm(request.POST if request.method == "POST" else None)  # an empty POST is bound too
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                clients.users().register(
                    email=data["email"],
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
                profile = _sign_in(request, data["email"], data["password"])
            except RateLimited as exc:
                form.add_error(None, f"Too many new accounts from here. Please wait {exc.retry_after} seconds.")
                status = 429
            except BackendRejected as exc:
                if exc.status == 409:
                    form.add_error("email", "An account with this email exists already. Sign in instead?")
                    status = 409
                else:
                    add_backend_errors(form, exc)
            except BackendUnavailable:
                form.add_error(None, UNAVAILABLE)
                status = 503
            else:
                messages.success(request, f"Welcome, {profile.display_name}! Your account is ready.")
                return redirect(_next_url(request))
    return render(request, "customers/register.html", {"form": form, "next": _next_url(request)}, status=status)


@require_POST
def logout_view(request):
    session_auth.sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("/")


@shopper_required
def account_view(request):
    profile = request.shopper
    profile_form = ProfileForm(initial={"first_name": profile.first_name, "last_name": profile.last_name})
    password_form = PasswordChangeForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        status = 400
        try:
            if action == "profile":
                profile_form = ProfileForm(request.POST)
                if profile_form.is_valid():
                    updated = clients.users().update_me(session_auth.access_token(request), **profile_form.cleaned_data)
                    session_auth.update_profile(request, updated)
                    messages.success(request, "Your profile is saved.")
                    return redirect("account")
            elif action == "password":
                password_form = PasswordChangeForm(request.POST)
                if password_form.is_valid():
                    clients.users().change_password(
                        session_auth.access_token(request),
                        old_password=password_form.cleaned_data["old_password"],
                        new_password=password_form.cleaned_data["new_password"],
                    )
                    # The change ends every other session, this one's refresh token included: sign in afresh.
                    _sign_in(request, profile.email, password_form.cleaned_data["new_password"])
                    messages.success(request, "Your password is changed.")
                    return redirect("account")
            else:  # no page of ours sends another action: say what the form is for rather than a bare 400
                messages.error(request, "Nothing was saved: use the Save profile or Change password button.")
        except BackendRejected as exc:
            if exc.status == 401:
                raise
            add_backend_errors(profile_form if action == "profile" else password_form, exc)
        except BackendUnavailable:
            (profile_form if action == "profile" else password_form).add_error(None, UNAVAILABLE)
            status = 503
    context = {"profile": request.shopper, "profile_form": profile_form, "password_form": password_form}
    return render(request, "customers/account.html", context, status=status)
