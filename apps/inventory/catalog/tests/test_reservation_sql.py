"""ReserveStock's hand-written statements (one round trip each, writing every column of the models, the
outbox row included, enum values as parameters), and confirmation through the ORM."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.models import Reservation, ReservationLine, ReservationStatus, Stock
from catalog.tests.factories import product_make
from retail_common.models import OutboxEvent
from retail_dev.sql_columns import assert_writes_model_columns

pytestmark = pytest.mark.django_db


def test_recording_a_reservation_is_one_statement_writing_every_column():
    mug, cup = product_make(price="12.99", on_hand=10), product_make(price="3.50", on_hand=5)
    order_id = uuid.uuid4()
    with CaptureQueriesContext(connection) as captured:
        answer = services.stock_reserve(order_id=order_id, items=[(cup.id, 2), (mug.id, 1)])
    assert answer["success"]
    recorded = [q["sql"] for q in captured.captured_queries if Reservation._meta.db_table in q["sql"]]
    assert len([sql for sql in recorded if "INSERT" in sql]) == 1, "reservation, lines, outbox, stock: one statement"
    for model, updates in ((Reservation, 0), (ReservationLine, 0), (OutboxEvent, 0), (Stock, 1)):
        assert_writes_model_columns(captured, model, inserts=0 if model is Stock else 1, updates=updates)

    reservation = Reservation.objects.get(order_id=order_id)
    assert (reservation.status, reservation.reason, reservation.answer) == ("RESERVED", "", answer)
    lines = list(reservation.lines.order_by("product_id").values_list("product_id", "quantity", "unit_price"))
    assert [(p, q, str(u)) for p, q, u in lines] == [(mug.id, 1, "12.99"), (cup.id, 2, "3.50")]
    assert [Stock.objects.get(pk=p.pk).reserved for p in (mug, cup)] == [1, 2]
    event = OutboxEvent.objects.get(topic="inventory-reserved")
    assert (event.key, event.headers, event.attempts, event.envelope["payload"]["order_id"]) == (
        str(order_id),
        {},
        0,
        str(order_id),
    )
    assert event.relay_after <= event.created_at, "relay-only: the relay's at once"


def test_confirming_locks_in_product_order_updates_each_line_and_happens_only_once():
    mug, cup = product_make(on_hand=10), product_make(on_hand=4)
    order_id = uuid.uuid4()
    services.stock_reserve(order_id=order_id, items=[(cup.id, 1), (mug.id, 3)])
    with CaptureQueriesContext(connection) as captured:
        assert services.reservation_confirm(order_id=order_id) is True
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The guarded UPDATE of the reservation (its check and its lock), its lines read, then one UPDATE
    # per line in product order: each stock row is locked in the order ReserveStock locks them.
    assert len(statements) == 4
    assert statements[0].startswith('UPDATE "catalog_reservation"') and "'RESERVED'" in statements[0]
    assert (
        statements[1].startswith('SELECT "catalog_reservationline"."product_id"') and "ORDER BY 1 ASC" in statements[1]
    )
    stock_updates = statements[2:]
    assert all(sql.startswith('UPDATE "catalog_stock"') for sql in stock_updates)
    assert [sql.rsplit("= ", 1)[1] for sql in stock_updates] == [str(min(mug.pk, cup.pk)), str(max(mug.pk, cup.pk))]
    assert all('"updated_at" = ' in sql for sql in stock_updates), "update() skips auto_now"
    with CaptureQueriesContext(connection) as again:
        assert services.reservation_confirm(order_id=order_id) is False
    assert [q["sql"].split()[0] for q in again.captured_queries] == ["SAVEPOINT", "UPDATE", "RELEASE"]
    reservation = Reservation.objects.get(order_id=order_id)
    assert reservation.status == ReservationStatus.CONFIRMED and reservation.confirmed_at is not None
    stocks = {s.pk: (s.on_hand, s.reserved) for s in Stock.objects.filter(pk__in=[mug.pk, cup.pk])}
    assert stocks == {mug.pk: (7, 0), cup.pk: (3, 0)}
