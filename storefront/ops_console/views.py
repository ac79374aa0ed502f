"""The ops console: orders by status, recent payments, and the failed events of every service."""

from __future__ import annotations

from backends import clients
from backends.http import BackendRejected, BackendUnavailable
from backends.orders import STATUS_LABELS
from customers import session_auth
from customers.decorators import admin_required
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ops_console.failed_events import STATUSES, collect
from ops_console.forms import FailedEventFilterForm


@admin_required
def dashboard(request):
    access = session_auth.access_token(request)
    orders = clients.orders()
    wanted = request.GET.get("status", "")
    if wanted and wanted not in STATUS_LABELS:
        wanted = ""
    counts, recent, payments, notes = [], None, None, []
    try:
        for status, label in STATUS_LABELS.items():
            counts.append((status, label, orders.all_orders(access, status=status).count))
        recent = orders.all_orders(access, status=wanted)
    except BackendUnavailable:
        notes.append("Orders are unavailable right now.")
    try:
        payments = clients.payments().recent(access)
    except BackendUnavailable:
        notes.append("Payments are unavailable right now.")
    context = {"counts": counts, "recent": recent, "payments": payments, "notes": notes, "wanted": wanted}
    return render(request, "ops_console/dashboard.html", context)


@admin_required
def failed_events(request):
    query = request.GET.copy()
    query.setdefault("status", "PENDING")
    form = FailedEventFilterForm(query)
    context = {"form": form, "events": [], "unreachable": [], "services": clients.SERVICES, "statuses": STATUSES}
    if not form.is_valid():  # no backend is asked with a filter it would refuse
        context["filters"] = {name: query.get(name, "") for name in form.fields}
        return render(request, "ops_console/failed_events.html", context, status=400)
    filters = form.cleaned_data
    events, unreachable = collect(session_auth.access_token(request), **filters)
    context.update(events=events, unreachable=unreachable, filters=filters)
    return render(request, "ops_console/failed_events.html", context)


@admin_required
@require_POST
def failed_event_action(request, service: str, event_id: int, action: str):
    if service not in clients.SERVICES or action not in ("retry", "discard"):
        raise Http404("No such service or action.")
    try:
        clients.by_service(service).failed_event_action(session_auth.access_token(request), event_id, action)
    except BackendRejected as exc:
        if exc.status == 404:
            raise Http404("No such failed event.") from exc
        messages.error(request, f"{service} #{event_id}: {exc.detail}")
    else:
        done = "sent back to its topic" if action == "retry" else "discarded"
        messages.success(request, f"{service} failed event #{event_id} {done}.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/ops/"):
        back = "/ops/failed-events/"
    return redirect(back)
