"""InventoryService on a real gRPC port, answering from a small in-memory catalog, for orders' own tests.

Orders' tests need the 201 path of POST /api/orders without running the inventory project (its own
Django settings and database). This servicer is built on the generated `InventoryServiceServicer`
base, so the wire contract is the real one: orders' client, its deadline, its service-config retry
policy and its circuit breaker all run unchanged against a server on a port. What inventory does
with its database (locks, the reservation rows) is tested in inventory; the whole saga across the
real services is tested in tests/e2e.

A test scripts faults: `fail_next(code, n)` answers the next n calls with an error status,
`hold("ReserveStock")` keeps that method's calls waiting until `release()` (the caller's deadline
passes without the test sleeping).

Not grpcio-testing: its in-process channel skips the port, the deadline and the service-config retries
that orders' client depends on.
"""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass

import grpc

from retail_common.domain.codes import ReserveFailure
from retail_protos.inventory.v1 import inventory_pb2 as pb
from retail_protos.inventory.v1 import inventory_pb2_grpc


@dataclass
class Stocked:
    sku: str
    name: str
    unit_price: str
    available: int
    currency: str = "USD"


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    """All-or-nothing reservations per order id, replayed answers for a repeated order id, idempotent release."""

    def __init__(self, catalog: dict[int, Stocked]):
        self.catalog = catalog
        self.calls: list[tuple[str, object]] = []  # (method, request) in arrival order, faults included
        self.answers: dict[str, pb.ReserveStockResponse] = {}
        self.reserved: dict[str, list[tuple[int, int]]] = {}
        self.released: set[str] = set()  # order ids released (a later reservation for them is refused)
        self._faults: list[grpc.StatusCode] = []
        self._gate = threading.Event()
        self._gate.set()
        self._held = ""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0

    # -- scripting ----------------------------------------------------------------------------
    def fail_next(self, code: grpc.StatusCode, times: int = 1) -> None:
        self._faults.extend([code] * times)

    def hold(self, method: str) -> None:
        self._held = method
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def wait_idle(self, timeout: float = 30) -> bool:
        """Until no call is being served (a released call has finished its work)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    # -- the service --------------------------------------------------------------------------
    def _serve(self, method: str, request, context, work):
        with self._lock:
            self.calls.append((method, request))
            fault = self._faults.pop(0) if self._faults else None
            self._in_flight += 1
        try:
            if fault is not None:
                context.abort(fault, f"scripted {fault.name}")
            if method == self._held:
                self._gate.wait(timeout=30)  # held: the caller's deadline passes first
            with self._lock:
                return work(request)
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def CheckStock(self, request, context):
        return self._serve("CheckStock", request, context, self._check)

    def ReserveStock(self, request, context):
        return self._serve("ReserveStock", request, context, self._reserve_once)

    def ReleaseStock(self, request, context):
        return self._serve("ReleaseStock", request, context, self._release)

    def _check(self, request) -> pb.CheckStockResponse:
        levels = []
        for item in request.items:
            available = self.catalog[item.product_id].available if item.product_id in self.catalog else 0
            levels.append(pb.StockLevel(product_id=item.product_id, available=available, in_stock=available > 0))
        return pb.CheckStockResponse(items=levels)

    def _reserve_once(self, request) -> pb.ReserveStockResponse:
        if request.order_id not in self.answers:
            self.answers[request.order_id] = self._reserve(request)
        return self.answers[request.order_id]

    def _reserve(self, request) -> pb.ReserveStockResponse:
        if request.order_id in self.released:  # released before this reservation arrived: never reserve it
            return pb.ReserveStockResponse(
                success=False,
                failures=[
                    pb.ReserveFailure(
                        product_id=i.product_id, requested=i.quantity, reason=ReserveFailure.ORDER_RELEASED
                    )
                    for i in request.items
                ],
            )
        failures = []
        for item in request.items:
            stocked = self.catalog.get(item.product_id)
            if stocked is None:
                failures.append(
                    pb.ReserveFailure(
                        product_id=item.product_id, requested=item.quantity, reason=ReserveFailure.NOT_FOUND
                    )
                )
            elif stocked.available < item.quantity:
                failures.append(
                    pb.ReserveFailure(
                        product_id=item.product_id,
                        requested=item.quantity,
                        available=stocked.available,
                        reason=ReserveFailure.OUT_OF_STOCK,
                    )
                )
        if failures:
            return pb.ReserveStockResponse(success=False, failures=failures)
        lines = []
        for item in request.items:
            stocked = self.catalog[item.product_id]
            stocked.available -= item.quantity
            lines.append(
                pb.ReservedLine(
                    product_id=item.product_id,
                    sku=stocked.sku,
                    name=stocked.name,
                    unit_price=stocked.unit_price,
                    currency=stocked.currency,
                    quantity=item.quantity,
                )
            )
        self.reserved[request.order_id] = [(item.product_id, item.quantity) for item in request.items]
        return pb.ReserveStockResponse(success=True, lines=lines)

    def _release(self, request) -> pb.ReleaseStockResponse:
        items = self.reserved.pop(request.order_id, [])
        self.released.add(request.order_id)
        for product_id, quantity in items:
            self.catalog[product_id].available += quantity
        return pb.ReleaseStockResponse(released=bool(items))


def servicer_serve(servicer: InventoryServicer) -> tuple[grpc.Server, int]:
    """Start `servicer` on a free port of 127.0.0.1; returns the running server and its port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port
