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
    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:  # this service has unary methods only
            return handler
        method = handler_call_details.method.lstrip("/")  # "retail.inventory.v1.InventoryService/ReserveStock"
        inner = handler.unary_unary

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
                HANDLED.labels(method=method, code=code.name).inc()
                HANDLING.labels(method=method).observe(time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            observed,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
