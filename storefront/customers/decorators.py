"""Page guards: a signed-in shopper, or the ADMIN role (403 for anyone else who is signed in)."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from customers.middleware import login_redirect


def shopper_required(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.shopper is None:
            return login_redirect(request)
        return view(request, *args, **kwargs)

    return guarded


def admin_required(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.shopper is None:
            return login_redirect(request)
        if not request.shopper.is_admin:
            raise PermissionDenied("The ops console is for staff with the ADMIN role.")
        return view(request, *args, **kwargs)

    return guarded
