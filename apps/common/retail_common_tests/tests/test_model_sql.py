"""model_sql: ReserveStock's INSERTs from a model's own fields, rows as values, named parameters, on the
real PostgreSQL; and the relay-only outbox row written through it."""

import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from retail_common.db import model_sql
from retail_common.events.outbox.write import envelope_build, outbox_insert, outbox_relay_only_sql, outbox_row
from retail_common.models import FailedEvent, FailedEventStatus, OutboxEvent
from retail_common_tests.events_support import TOPIC
from retail_dev.factories import order_created_payload
from retail_dev.sql_columns import assert_writes_model_columns

pytestmark = pytest.mark.django_db


def failed(**fields) -> dict:
    """A FailedEvent row as values (attnames), the one input model_sql takes."""
    return {"group": "g", "topic": "order-created", "payload": "{}", "error_type": "E", **fields}


def test_an_insert_lists_every_column_with_python_defaults_and_enum_values_as_parameters():
    rows = [failed(), failed(status=FailedEventStatus.RETRIED)]
    statement = model_sql.insert(rows, model=FailedEvent, name="f")
    assert "RETRIED" not in statement.text and "'PENDING'" not in statement.text
    assert (statement.params["f0__status"], statement.params["f1__status"]) == ("PENDING", "RETRIED")
    assert type(statement.params["f1__status"]) is str
    assert statement.params["f0__retry_count"] == 0 and statement.params["f0__created_at"] is not None
    assert statement.params["f0__created_at"] == statement.params["f1__updated_at"], "stamped once, as save() does"
    with CaptureQueriesContext(connection) as captured:
        ids = [pk for (pk,) in model_sql.run(statement)]
    assert_writes_model_columns(captured, FailedEvent, inserts=1, updates=0)
    stored = FailedEvent.objects.filter(pk__in=ids).order_by("id")
    assert [(row.status, row.attempts, row.raw_headers) for row in stored] == [("PENDING", 1, []), ("RETRIED", 1, [])]
    assert stored[0].created_at is not None and stored[0].updated_at == stored[0].created_at


def test_a_row_leaving_fields_out_gets_the_models_defaults():
    statement = model_sql.insert([{"group": "h"}], model=FailedEvent, name="f")
    (pk,) = model_sql.run(statement)[0]
    row = FailedEvent.objects.get(pk=pk)
    assert (row.group, row.topic, row.status, row.attempts, row.headers) == ("h", "", "PENDING", 1, {})


def test_rows_refuse_a_name_that_is_not_a_parameter_of_the_statement():
    with pytest.raises(ValueError, match=r"\['grup'\]"):
        model_sql.insert([{"grup": "g"}], model=FailedEvent, name="f")
    with pytest.raises(ValueError, match=r"\['group'\]"):
        model_sql.insert([{"group": "g"}], model=FailedEvent, name="f", expressions={"group": "'x'"})


def test_an_expression_replaces_a_fields_parameter():
    row = {"group": "g", "payload": "{}", "error_type": "E"}
    statement = model_sql.insert([row], model=FailedEvent, name="f", expressions={"topic": "'from-sql'"})
    assert "f0__topic" not in statement.params
    (pk,) = model_sql.run(statement)[0]
    assert FailedEvent.objects.get(pk=pk).topic == "from-sql"


def test_a_statement_of_the_same_shape_is_built_once():
    first = model_sql.insert([{"group": "g"}], model=FailedEvent, name="f")
    again = model_sql.insert([failed()], model=FailedEvent, name="f")
    assert again.text is first.text
    other = model_sql.insert([failed(), failed()], model=FailedEvent, name="f")
    assert other.text is not first.text and "f1__group" in other.text


def test_fragments_combine_into_one_statement_and_refuse_a_parameter_name_twice():
    one = model_sql.insert([failed()], model=FailedEvent, name="one")
    two = model_sql.insert([failed()], model=FailedEvent, name="two")
    statement = model_sql.with_ctes({"one": one, "two": two}, "SELECT id FROM one UNION ALL SELECT id FROM two")
    assert len(model_sql.run(statement)) == 2
    with pytest.raises(ValueError, match="one0__group"):
        model_sql.with_ctes({"one": one, "again": one}, "SELECT 1")


def test_the_relay_only_outbox_row_is_written_with_every_column():
    payload = order_created_payload(str(uuid.uuid4()))
    relay_only = outbox_relay_only_sql(event_type=TOPIC, key="k-2", payload=payload)
    with CaptureQueriesContext(connection) as captured:
        model_sql.run(model_sql.with_ctes({"announced": relay_only}, "SELECT 1"))
    assert_writes_model_columns(captured, OutboxEvent, inserts=1, updates=0)
    other = OutboxEvent.objects.get(key="k-2")
    assert (other.topic, other.headers, other.attempts, other.last_error) == (TOPIC, {}, 0, "")
    assert other.envelope["payload"] == payload
    assert other.relay_after <= other.created_at, "relay-only: the relay's at once"


def test_the_write_apis_outbox_row_is_written_with_every_column():
    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload(str(uuid.uuid4())))
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        event = outbox_insert(topic=TOPIC, key="k-1", envelope=envelope, headers={"h": "v"}, send_now=False)
    assert_writes_model_columns(captured, OutboxEvent, inserts=1, updates=0)
    assert event._state.adding is False and event.relay_only is True
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.key, stored.headers, stored.envelope) == ("k-1", {"h": "v"}, envelope)
    assert stored.relay_after == event.relay_after
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
