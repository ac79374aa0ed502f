"""model_sql: statements from a model's own fields, with named parameters, on the real PostgreSQL; and
the outbox's one row definition written through it by every writer."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from retail_common import model_sql
from retail_common.events.outbox.write import envelope_build, outbox_insert, outbox_relay_only_sql, outbox_row
from retail_common.models import FailedEvent, FailedEventStatus, OutboxEvent
from retail_common_tests.events_support import TOPIC
from retail_dev.factories import order_created_payload
from retail_dev.sql_columns import assert_writes_model_columns

pytestmark = pytest.mark.django_db


def failed(**fields) -> FailedEvent:
    return FailedEvent(group="g", topic="order-created", payload="{}", error_type="E", **fields)


def test_an_insert_lists_every_column_with_python_defaults_and_enum_values_as_parameters():
    statement = model_sql.insert([failed(), failed(status=FailedEventStatus.RETRIED)], name="f")
    assert "RETRIED" not in statement.text and "'PENDING'" not in statement.text
    assert (statement.params["f0__status"], statement.params["f1__status"]) == ("PENDING", "RETRIED")
    assert type(statement.params["f1__status"]) is str
    assert statement.params["f0__retry_count"] == 0 and statement.params["f0__created_at"] is not None
    with CaptureQueriesContext(connection) as captured:
        ids = [pk for (pk,) in model_sql.run(statement)]
    assert_writes_model_columns(captured, FailedEvent, inserts=1, updates=0)
    stored = FailedEvent.objects.filter(pk__in=ids).order_by("id")
    assert [(row.status, row.attempts, row.raw_headers) for row in stored] == [("PENDING", 1, []), ("RETRIED", 1, [])]


def test_rows_as_values_write_the_statement_of_the_instances_with_the_same_defaults():
    rows = [{"group": "g", "topic": "t", "payload": "{}", "error_type": "E"}, {"group": "h"}]
    statement = model_sql.insert(rows, model=FailedEvent, name="f")
    assert statement.text == model_sql.insert([failed(), failed()], name="f").text
    assert (statement.params["f0__status"], statement.params["f1__retry_count"]) == ("PENDING", 0)
    assert statement.params["f0__created_at"] == statement.params["f1__updated_at"], "stamped once, as save() does"
    with CaptureQueriesContext(connection) as captured:
        ids = [pk for (pk,) in model_sql.run(statement)]
    assert_writes_model_columns(captured, FailedEvent, inserts=1, updates=0)
    stored = FailedEvent.objects.filter(pk__in=ids).order_by("id")
    assert [(row.group, row.topic, row.status, row.attempts, row.raw_headers) for row in stored] == [
        ("g", "t", "PENDING", 1, []),
        ("h", "", "PENDING", 1, []),
    ]
    assert stored[0].created_at is not None and stored[0].updated_at == stored[0].created_at


def test_rows_as_values_refuse_a_name_that_is_not_a_parameter_of_the_statement():
    with pytest.raises(ValueError, match=r"\['grup'\]"):
        model_sql.insert([{"grup": "g"}], model=FailedEvent, name="f")
    with pytest.raises(ValueError, match=r"\['group'\]"):
        model_sql.insert([{"group": "g"}], model=FailedEvent, name="f", expressions={"group": "'x'"})


def test_a_statement_of_the_same_shape_is_built_once():
    first = model_sql.insert([{"group": "g"}], model=FailedEvent, name="f")
    again = model_sql.insert([failed()], name="f")
    assert again.text is first.text
    other = model_sql.insert([failed(), failed()], name="f")
    assert other.text is not first.text and "f1__group" in other.text
    moved = [model_sql.update(FailedEvent, name="u", values={"status": s}, where="id = 1") for s in ("A", "B")]
    assert moved[0].text is moved[1].text and [m.params["u__status"] for m in moved] == ["A", "B"]


def test_rows_read_back_are_instances_as_the_orm_loads_them():
    (pk,) = model_sql.run(model_sql.insert([failed(headers={"a": "1"})], name="f"))[0]
    rows = model_sql.run(model_sql.Sql(f"SELECT {model_sql.columns(FailedEvent)} FROM {model_sql.table(FailedEvent)}"))
    (loaded,) = model_sql.instances(FailedEvent, rows)
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert (loaded.pk, loaded.headers, loaded.status) == (pk, {"a": "1"}, "PENDING")
    copy = model_sql.saved(failed(), id=41)
    assert (copy.pk, copy._state.adding, copy.group) == (41, False, "g")


def test_an_update_sets_auto_now_columns_and_takes_named_parameters():
    (pk,) = model_sql.run(model_sql.insert([failed()], name="f"))[0]
    FailedEvent.objects.filter(pk=pk).update(updated_at=timezone.now() - timedelta(days=1))
    statement = model_sql.update(
        FailedEvent,
        name="u",
        values={"status": FailedEventStatus.DISCARDED},
        where="id = %(id)s",
        params={"id": pk},
        returning="status",
    )
    with CaptureQueriesContext(connection) as captured:
        assert model_sql.run(statement) == [("DISCARDED",)]
    assert_writes_model_columns(captured, FailedEvent, inserts=0, updates=1)
    assert FailedEvent.objects.get(pk=pk).updated_at > timezone.now() - timedelta(minutes=1)


def test_fragments_combine_into_one_statement_and_refuse_a_parameter_name_twice():
    one, two = model_sql.insert([failed()], name="one"), model_sql.insert([failed()], name="two")
    statement = model_sql.with_ctes({"one": one, "two": two}, "SELECT id FROM one UNION ALL SELECT id FROM two")
    assert len(model_sql.run(statement)) == 2
    with pytest.raises(ValueError, match="one__group"):
        model_sql.with_ctes({"one": one, "again": one}, "SELECT 1")


def test_every_outbox_writer_writes_the_one_row_definition_with_every_column():
    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload(str(uuid.uuid4())))
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        event = outbox_insert(topic=TOPIC, key="k-1", envelope=envelope, headers={"h": "v"}, send_now=False)
        relay_only = outbox_relay_only_sql(
            event_type=TOPIC, key="k-2", payload=order_created_payload(str(uuid.uuid4()))
        )
        model_sql.run(model_sql.with_ctes({"announced": relay_only}, "SELECT 1"))
    assert_writes_model_columns(captured, OutboxEvent, inserts=2, updates=0)
    assert event._state.adding is False and event.relay_only is True
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.key, stored.headers, stored.envelope) == ("k-1", {"h": "v"}, envelope)
    assert stored.relay_after == event.relay_after
    other = OutboxEvent.objects.get(key="k-2")
    assert (other.topic, other.headers, other.attempts, other.last_error) == (TOPIC, {}, 0, "")
    row = outbox_row(topic=TOPIC, key=7, envelope=envelope)
    assert (row.key, row.event_id, row.headers) == ("7", uuid.UUID(envelope["event_id"]), {})


def test_the_inbox_row_and_the_sent_mark_are_written_through_the_models():
    from retail_common.events.consumer.inbox import inbox_record
    from retail_common.events.outbox.sender import outbox_mark
    from retail_common.models import ProcessedEvent

    event_id = uuid.uuid4()
    with CaptureQueriesContext(connection) as captured:
        assert (inbox_record("g", event_id, TOPIC), inbox_record("g", event_id, TOPIC)) == (True, False)
    assert_writes_model_columns(captured, ProcessedEvent, inserts=2, updates=0)
    assert ProcessedEvent.objects.get(event_id=event_id).processed_at is not None

    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload(str(uuid.uuid4())))
    event = outbox_insert(topic=TOPIC, key="k-3", envelope=envelope, headers={}, send_now=False)
    with CaptureQueriesContext(connection) as captured:
        assert outbox_mark([event], [True]) == 1
    assert_writes_model_columns(captured, OutboxEvent, inserts=0, updates=1)
    assert OutboxEvent.objects.get(pk=event.pk).published_at is not None
