"""The gRPC InventoryService: translates messages to service calls and errors to status codes."""

from __future__ import annotations

import functools
import logging
import uuid

import grpc
from django.db import DatabaseError, connection

from catalog.grpc_metrics import MetricsInterceptor
from catalog.services import reservation_release, stock_check, stock_reserve
from retail_common.domain.errors import Conflict, DomainError, InvalidInput, Unavailable
from retail_common.observability.log_context import order_scope
from retail_protos.inventory.v1 import inventory_pb2 as pb
from retail_protos.inventory.v1 import inventory_pb2_grpc

logger = logging.getLogger("catalog.grpc")

# The one place a DomainError becomes a gRPC status (the first kind that matches wins).
GRPC_STATUS = (
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),
    (Conflict, grpc.StatusCode.FAILED_PRECONDITION),
    (Unavailable, grpc.StatusCode.UNAVAILABLE),
    (DomainError, grpc.StatusCode.INVALID_ARGUMENT),
)


def rpc(method):
    """Errors become status codes, never a bare exception.

    Each pool thread keeps its database connection across calls (no per-call health-check query);
    a broken one surfaces as DatabaseError, is dropped here, and the caller's retry reconnects.
    """

    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            with order_scope(getattr(request, "order_id", "")):  # the call's log lines name the order
                return method(self, request, context)
        except DomainError as exc:
            context.abort(next(code for kind, code in GRPC_STATUS if isinstance(exc, kind)), exc.detail)
        except DatabaseError as exc:
            logger.warning("database unavailable in %s: %s", method.__name__, exc)
            connection.close()
            context.abort(grpc.StatusCode.UNAVAILABLE, "inventory database unavailable; retry")
        finally:
            if not connection.settings_dict.get("CONN_MAX_AGE"):  # 0 means one connection per call
                connection.close()

    return wrapper


def order_uuid(value: str, context) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"order_id {value!r} is not a UUID")


def items_of(request) -> list[tuple[int, int]]:
    return [(item.product_id, item.quantity) for item in request.items]


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    @rpc
    def CheckStock(self, request, context):
        levels = stock_check(items=items_of(request))
        return pb.CheckStockResponse(items=[pb.StockLevel(**level) for level in levels])

    @rpc
    def ReserveStock(self, request, context):
        answer = stock_reserve(order_id=order_uuid(request.order_id, context), items=items_of(request))
        return pb.ReserveStockResponse(
            success=answer["success"],
            lines=[pb.ReservedLine(**line) for line in answer["lines"]],
            failures=[pb.ReserveFailure(**failure) for failure in answer["failures"]],
        )

    @rpc
    def ReleaseStock(self, request, context):
        released = reservation_release(order_id=order_uuid(request.order_id, context), reason=request.reason)
        return pb.ReleaseStockResponse(released=released)


def server_build(*, port: int, max_workers: int, host: str = "127.0.0.1") -> tuple[grpc.Server, object, int]:
    """A gRPC server with the inventory service and the standard health service; returns (server, health, port)."""
    from concurrent import futures

    from grpc_health.v1 import health, health_pb2, health_pb2_grpc

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=[MetricsInterceptor()],
    )
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(InventoryServicer(), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot listen on {host}:{port} (in use?); set GRPC_PORT")
    for name in ("", "retail.inventory.v1.InventoryService"):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return server, health_servicer, bound
