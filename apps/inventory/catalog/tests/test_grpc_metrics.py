"""The gRPC server's interceptor counts every RPC by method and status code, and times it."""

import uuid

import grpc
import pytest
from prometheus_client import REGISTRY

from catalog.tests.factories import product_make
from retail_protos.inventory.v1 import inventory_pb2 as pb

RESERVE = "retail.inventory.v1.InventoryService/ReserveStock"


def handled(method: str, code: str) -> float:
    return REGISTRY.get_sample_value("retail_grpc_server_handled_total", {"method": method, "code": code}) or 0.0


def timed(method: str) -> float:
    return REGISTRY.get_sample_value("retail_grpc_server_handling_seconds_count", {"method": method}) or 0.0


def test_ok_and_refused_calls_are_counted_under_their_codes(grpc_stub):
    product = product_make(on_hand=3)
    ok, invalid, calls = handled(RESERVE, "OK"), handled(RESERVE, "INVALID_ARGUMENT"), timed(RESERVE)
    good = pb.ReserveStockRequest(order_id=str(uuid.uuid4()), items=[pb.Item(product_id=product.id, quantity=1)])
    grpc_stub.ReserveStock(good, timeout=10)
    with pytest.raises(grpc.RpcError) as error:
        grpc_stub.ReserveStock(pb.ReserveStockRequest(order_id="not-a-uuid", items=[]), timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (handled(RESERVE, "OK"), handled(RESERVE, "INVALID_ARGUMENT")) == (ok + 1, invalid + 1)
    assert timed(RESERVE) == calls + 2
