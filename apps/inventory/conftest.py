import pytest

pytest_plugins = ["retail_dev.testing.fixtures"]


@pytest.fixture(autouse=True)
def _fresh_catalog_cache(settings, tmp_path):
    """Each test starts with an empty L1 and no pending views (L2 and trending live in the test Redis, cleared
    by retail_dev.testing.fixtures); views are flushed when read, no thread writes them between tests."""
    from catalog.cache import l1
    from catalog.trending import views

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.INVENTORY_VIEW_FLUSH_SECONDS = 0
    l1.clear()
    views.clear()
    yield
    l1.clear()
    views.clear()


@pytest.fixture
def grpc_channel(transactional_db, monkeypatch):
    """A channel to InventoryService served on a real port by the server's own thread pool."""
    import grpc
    from catalog.grpc_server import server_build
    from django.db import connections

    # Server threads keep their own connections; closing them after each call lets the test database go.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    server, _, port = server_build(port=0, max_workers=32)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield channel
    channel.close()
    server.stop(0).wait()


@pytest.fixture
def grpc_stub(grpc_channel):
    from retail_protos.inventory.v1 import inventory_pb2_grpc

    return inventory_pb2_grpc.InventoryServiceStub(grpc_channel)
