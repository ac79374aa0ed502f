"""What operators use: Django admin actions, event_status, metrics, the liveness file, lag, pruning."""

import json
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from retail_common.events.consumer.liveness import consumer_lag, lag_cache_key
from retail_common.events.consumer.runner import ConsumerRunner
from retail_common.events.failed import failed_event_record
from retail_common.events.outbox.pruning import outbox_prune
from retail_common.events.outbox.sender import outbox_wait_sent
from retail_common.events.outbox.write import envelope_build
from retail_common.models import FailedEvent, FailedEventStatus, OutboxEvent
from retail_common_tests.events_support import GROUP, TOPIC, effects, publish_order
from retail_dev.events_testing import ConsumerThread, run_until, warm_producer
from retail_dev.factories import order_created_payload

pytestmark = pytest.mark.django_db(transaction=True)


def dead_letter(key: str = "k-1") -> FailedEvent:
    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload())
    return failed_event_record(
        group=GROUP,
        topic=TOPIC,
        key=key.encode(),
        value=json.dumps(envelope).encode(),
        headers=[("retry-attempt", b"4"), ("error-type", b"RuntimeError"), ("error-message", b"boom")],
        event_id=uuid.UUID(envelope["event_id"]),
    )


def test_admin_lists_failed_events_with_filters(admin_client):
    dead_letter()
    response = admin_client.get("/admin/retail_common/failedevent/?status__exact=PENDING")
    assert response.status_code == 200
    content = response.content.decode()
    assert "RuntimeError" in content
    assert "By status" in content and "By topic" in content and "By group" in content


def test_admin_retry_action_resends_through_the_outbox_and_records_who(admin_client, admin_user, bus):
    failed = dead_letter()
    response = admin_client.post(
        "/admin/retail_common/failedevent/", {"action": "retry", "_selected_action": [failed.id]}, follow=True
    )
    assert response.status_code == 200
    assert "Retried 1 failed event(s)." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == FailedEventStatus.RETRIED
    assert failed.retried_by == admin_user.get_username()
    assert failed.retry_count == 1
    outbox_wait_sent()
    resent = OutboxEvent.objects.get()
    assert (resent.topic, resent.key, resent.event_id) == (TOPIC, "k-1", failed.event_id)
    assert resent.headers == {"retry-attempt": "0", "manual-retry": "1", "failed-event-id": str(failed.id)}
    assert resent.published_at is not None, "sent to the original topic at once"


def test_admin_discard_action_and_refusal_message(admin_client, admin_user):
    failed = dead_letter()
    admin_client.post("/admin/retail_common/failedevent/", {"action": "discard", "_selected_action": [failed.id]})
    failed.refresh_from_db()
    assert (failed.status, failed.discarded_by) == (FailedEventStatus.DISCARDED, admin_user.get_username())
    response = admin_client.post(
        "/admin/retail_common/failedevent/", {"action": "retry", "_selected_action": [failed.id]}, follow=True
    )
    assert "only PENDING events can be retried" in response.content.decode()


def test_event_status_reports_backlog_failed_and_lag():
    with transaction.atomic():
        OutboxEvent.objects.create(
            event_id=uuid.uuid4(), topic=TOPIC, key="waiting", envelope=envelope_build(event_type=TOPIC, payload={})
        )
    dead_letter()
    cache.set(lag_cache_key(GROUP), {TOPIC: 7}, 60)
    out = StringIO()
    call_command("event_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["outbox_pending"] == 1
    assert status["failed_events_pending"] == 1
    assert status["consumer_lag"][GROUP] == {TOPIC: 7}
    assert status["outbox_oldest_pending_seconds"] >= 0


def test_metrics_expose_outbox_and_failed_event_series(api):
    dead_letter()
    body = api.get("/metrics").content.decode()
    assert "retail_outbox_pending" in body
    assert 'retail_events_failed_total{topic="order-created"}' in body
    assert "retail_consumer_lag" in body


def test_prune_deletes_only_old_published_rows():
    old, recent, _unsent = (
        OutboxEvent.objects.create(event_id=uuid.uuid4(), topic=TOPIC, key=k, envelope={})
        for k in ("old", "recent", "unsent")
    )
    now = timezone.now()
    OutboxEvent.objects.filter(id=old.id).update(published_at=now - timedelta(hours=200))
    OutboxEvent.objects.filter(id=recent.id).update(published_at=now - timedelta(hours=1))
    assert outbox_prune(older_than_hours=168) == 1
    assert sorted(OutboxEvent.objects.values_list("key", flat=True)) == ["recent", "unsent"]


def test_consumer_touches_its_liveness_file_and_reports_lag(settings, bus, behaviour, tmp_path):
    heartbeat = tmp_path / "alive"
    settings.RETAIL = {**settings.RETAIL, "CONSUMER_HEARTBEAT_FILE": str(heartbeat)}
    warm_producer()  # a settings change starts a new producer
    publish_order("lag-probe")
    runner = ConsumerRunner(GROUP, handlers={TOPIC: behaviour})
    thread = ConsumerThread(runner)
    thread.start()
    try:
        run_until(thread, lambda: effects() == ["lag-probe"])
        run_until(thread, heartbeat.exists)
        run_until(thread, lambda: consumer_lag(runner.subscription.consumers()).get(TOPIC) == 0)
        # The loop publishes its lag (cache, for `status`; gauge, for Prometheus) every few seconds.
        run_until(thread, lambda: (cache.get(lag_cache_key(GROUP)) or {}).get(TOPIC) == 0)
    finally:
        thread.stop()


def test_relay_keeps_running_through_a_database_error(monkeypatch):
    """The database cannot be taken away from under the test run, so one batch raises as a lost connection would."""
    from django.db import OperationalError

    from retail_common.events.relay import OutboxRelay

    relay = OutboxRelay()
    batches = []

    def batch():
        batches.append(1)
        if len(batches) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        relay.stopping = True
        return 0, 0

    monkeypatch.setattr(relay, "relay_once", batch)
    monkeypatch.setattr(relay, "_sleep", lambda seconds: None)
    relay.run()
    assert len(batches) == 2, "the relay tried again instead of dying"
