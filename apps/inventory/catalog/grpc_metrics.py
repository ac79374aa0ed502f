"""`retail_grpc_server_handled_total{method,code}` and `retail_grpc_server_handling_seconds{method}` of the
inventory gRPC server, as a server interceptor (every servicer method, the health service included)."""

from __future__ import annotations

import time

import grpc
from prometheus_client import Counter, Histogram

HANDLED = Counter("retail_grpc_server_handled_total", "RPCs completed, by status code.", ["method", "code"])
HANDLING = Histogram(
    "retail_grpc_server_handling_seconds",
    "Time to handle an RPC.",
    ["method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


class MetricsInterceptor(grpc.ServerInterceptor):
    """Wraps each unary method once (not per call) and keeps its metric children: ReserveStock is the
    saga's hot RPC, and a label lookup or a new method handler per call is CPU on the path that holds
    the stock rows' locks."""

    def __init__(self):
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method.lstrip("/")  # "retail.inventory.v1.InventoryService/ReserveStock"
        wrapped = self._wrapped.get(method)
        if wrapped is not None:
            return wrapped
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:  # this service has unary methods only
            return handler
        wrapped = self._wrapped.setdefault(method, _observed(method, handler))
        return wrapped


def _observed(method: str, handler) -> grpc.RpcMethodHandler:
    inner = handler.unary_unary
    handling = HANDLING.labels(method=method)
    handled: dict[grpc.StatusCode, object] = {}  # by code, as calls end with it (no zero series for the rest)

    def observed(request, context):
        started = time.perf_counter()
        code = grpc.StatusCode.UNKNOWN  # an exception the servicer did not turn into a status
        try:
            response = inner(request, context)
            code = grpc.StatusCode.OK
            return response
        finally:
            # A servicer that called context.abort() or set_code() decided the code itself.
            code = context.code() or code
            counter = handled.get(code) or handled.setdefault(code, HANDLED.labels(method=method, code=code.name))
            counter.inc()
            handling.observe(time.perf_counter() - started)

    return grpc.unary_unary_rpc_method_handler(
        observed,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
