import pytest

from retail_dev.stack import Stack


@pytest.fixture(scope="session")
def stack():
    running = Stack()
    try:
        yield running.up()
    finally:
        running.down()
