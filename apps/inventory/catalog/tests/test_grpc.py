"""ReserveStock, CheckStock and ReleaseStock over a real gRPC port, against PostgreSQL."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from catalog.models import Reservation, ReservationStatus, Stock
from catalog.tests.factories import product_make
from retail_common.models import OutboxEvent
from retail_protos.inventory.v1 import inventory_pb2 as pb

DEADLINE = 10


def reserve(stub, order_id, *items):
    request = pb.ReserveStockRequest(
        order_id=str(order_id), items=[pb.Item(product_id=p, quantity=q) for p, q in items]
    )
    return stub.ReserveStock(request, timeout=DEADLINE)


def stock(product) -> tuple[int, int]:
    row = Stock.objects.get(product=product)
    return row.on_hand, row.reserved


def test_fifty_concurrent_orders_for_twenty_units_reserve_exactly_twenty(grpc_stub):
    product = product_make(on_hand=20)
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: reserve(grpc_stub, uuid.uuid4(), (product.id, 1)), range(50)))
    assert sum(a.success for a in answers) == 20
    assert {f.reason for a in answers if not a.success for f in a.failures} == {"OUT_OF_STOCK"}
    assert stock(product) == (20, 20)
    assert Reservation.objects.count() == 20
    assert OutboxEvent.objects.filter(topic="inventory-reserved").count() == 20


def test_answer_carries_authoritative_prices_and_replay_reserves_nothing_more(grpc_stub):
    product = product_make(name="Harbor Mug", price="12.99", on_hand=10)
    order_id = uuid.uuid4()
    first = reserve(grpc_stub, order_id, (product.id, 3))
    assert first.success
    assert [(l.product_id, l.sku, l.name, l.unit_price, l.currency, l.quantity) for l in first.lines] == [  # noqa: E741
        (product.id, product.sku, "Harbor Mug", "12.99", "USD", 3)
    ]
    again = reserve(grpc_stub, order_id, (product.id, 3))
    assert again == first
    assert stock(product) == (10, 3)
    assert OutboxEvent.objects.filter(topic="inventory-reserved", key=str(order_id)).count() == 1


def test_one_short_line_reserves_nothing(grpc_stub):
    plenty, scarce = product_make(on_hand=10), product_make(on_hand=1)
    answer = reserve(grpc_stub, uuid.uuid4(), (plenty.id, 2), (scarce.id, 2), (999999, 1))
    assert not answer.success
    assert list(answer.lines) == []
    assert sorted((f.product_id, f.requested, f.available, f.reason) for f in answer.failures) == sorted(
        [(scarce.id, 2, 1, "OUT_OF_STOCK"), (999999, 1, 0, "NOT_FOUND")]
    )
    assert stock(plenty) == (10, 0)
    assert stock(scarce) == (1, 0)
    assert not Reservation.objects.exists()
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("order_id", "items", "message"),
    [
        (uuid.uuid4(), [(1, 0)], "between 1 and 1000"),
        (uuid.uuid4(), [(1, 1001)], "between 1 and 1000"),
        (uuid.uuid4(), [(1, 600), (1, 600)], "exceeds 1000"),
        (uuid.uuid4(), [], "must not be empty"),
        ("not-a-uuid", [(1, 1)], "is not a UUID"),
    ],
)
def test_bad_requests_are_invalid_argument(grpc_stub, order_id, items, message):
    with pytest.raises(grpc.RpcError) as error:
        reserve(grpc_stub, order_id, *items)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in error.value.details()
    assert not Reservation.objects.exists()


def test_check_stock(grpc_stub):
    product = product_make(on_hand=4)
    answer = grpc_stub.CheckStock(
        pb.CheckStockRequest(
            items=[pb.Item(product_id=product.id, quantity=5), pb.Item(product_id=424242, quantity=1)]
        ),
        timeout=DEADLINE,
    )
    assert [(i.product_id, i.available, i.in_stock) for i in answer.items] == [
        (product.id, 4, False),
        (424242, 0, False),
    ]


def test_release_is_idempotent_and_a_release_before_reserve_blocks_the_late_reserve(grpc_stub):
    product = product_make(on_hand=5)
    order_id = uuid.uuid4()
    reserve(grpc_stub, order_id, (product.id, 2))
    release = pb.ReleaseStockRequest(order_id=str(order_id), reason="RESERVATION_TIMEOUT")
    assert grpc_stub.ReleaseStock(release, timeout=DEADLINE).released is True
    assert grpc_stub.ReleaseStock(release, timeout=DEADLINE).released is False
    assert stock(product) == (5, 0)
    assert Reservation.objects.get(order_id=order_id).status == ReservationStatus.RELEASED

    lost = uuid.uuid4()  # orders gave up on this one before inventory ever saw the reservation
    assert (
        grpc_stub.ReleaseStock(pb.ReleaseStockRequest(order_id=str(lost), reason="TIMEOUT"), timeout=DEADLINE).released
        is False
    )
    late = reserve(grpc_stub, lost, (product.id, 1))
    assert not late.success
    assert [f.reason for f in late.failures] == ["ORDER_RELEASED"]
    assert stock(product) == (5, 0)


def test_health_service_reports_serving(grpc_channel):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(grpc_channel)
    answer = health.Check(health_pb2.HealthCheckRequest(service="retail.inventory.v1.InventoryService"), timeout=5)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
