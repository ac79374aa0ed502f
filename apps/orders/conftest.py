import pytest

pytest_plugins = ["retail_dev.testing.fixtures"]


@pytest.fixture
def inventory(settings):
    """InventoryService on a free port (retail_dev.inventory_servicer) with orders' gRPC client pointed at it.

    Product 7 is a 12.99 mug with 10 in stock, product 8 a 30.00 teapot with 1; anything else is unknown.
    """
    from ordering import grpc_client

    from retail_dev.inventory_servicer import InventoryServicer, Stocked, servicer_serve

    servicer = InventoryServicer(
        {7: Stocked("KIT-001", "Mug", "12.99", available=10), 8: Stocked("KIT-002", "Teapot", "30.00", available=1)}
    )
    server, port = servicer_serve(servicer)
    settings.INVENTORY_GRPC_TARGET = f"127.0.0.1:{port}"
    grpc_client.reset_client()
    yield servicer
    servicer.release()
    grpc_client.reset_client()
    server.stop(0).wait()
