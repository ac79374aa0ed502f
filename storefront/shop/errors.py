"""Friendly error pages. The 500 page renders without context processors: it must not call a backend."""

from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"detail": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def server_error(request):
    from django.http import HttpResponseServerError

    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def csrf_failure(request, reason=""):
    return render(
        request, "errors/403.html", {"detail": "The form expired. Go back, reload the page and try again."}, status=403
    )
