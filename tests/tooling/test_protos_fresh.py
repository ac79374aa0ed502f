"""The committed gRPC stubs are exactly what protos/ generates (run `python3 manage_all.py protos` if not)."""

from retail_dev import protos


def test_stubs_are_generated_from_the_current_protos():
    assert protos.stale_files() == []


def test_stubs_import_from_their_own_package():
    from retail_protos.inventory.v1 import inventory_pb2, inventory_pb2_grpc

    assert inventory_pb2.DESCRIPTOR.package == "retail.inventory.v1"
    assert hasattr(inventory_pb2_grpc, "InventoryServiceStub")
