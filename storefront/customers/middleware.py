"""request.shopper (the signed-in profile or None), and a sign-in redirect when a page needs one."""

from urllib.parse import urlencode

from backends.http import BackendRejected
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from customers.session_auth import SignInRequired, current_profile, forget_tokens


def login_redirect(request):
    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
    return redirect(f"{settings.LOGIN_URL}?{query}" if query else settings.LOGIN_URL)


class ShopperMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.shopper = current_profile(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, SignInRequired):
            return login_redirect(request)
        if isinstance(exception, BackendRejected) and exception.status == 401:
            # A backend no longer accepts the session's token (revoked, password changed elsewhere).
            forget_tokens(request)
            messages.info(request, "Your session has ended. Please sign in again.")
            return login_redirect(request)
        return None
