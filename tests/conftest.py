import pytest

from retail_dev.stack import Stack


@pytest.fixture(scope="session")
def stack():
    """The whole shop, storefront included, for the browser and end-to-end tests (one start per run)."""
    running = Stack()
    try:
        yield running.up(own_broker=True, storefront=True)  # own broker: one e2e test stops it
    finally:
        running.down()
