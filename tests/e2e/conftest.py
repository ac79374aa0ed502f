import pytest

from retail_dev.stack import Stack


@pytest.fixture(scope="session")
def stack():
    running = Stack()
    try:
        yield running.up(own_broker=True)  # own broker: one test stops it
    finally:
        running.down()
