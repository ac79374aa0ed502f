import pytest

pytest_plugins = ["retail_dev.testing.fixtures"]


@pytest.fixture
def bus(settings):
    """Topics of this test alone on the real broker (a fresh prefix), provisioned."""
    from retail_common.events import kafka
    from retail_common_tests.events_support import fresh_bus, provision
    from retail_dev.events_testing import warm_producer

    prefix = fresh_bus(settings)
    provision()
    warm_producer()
    yield prefix
    kafka.reset_clients()


@pytest.fixture
def behaviour():
    from retail_common_tests.events_support import Behaviour

    return Behaviour()


@pytest.fixture
def consumer(bus, behaviour):
    """A ConsumerRunner of the test group in a thread, handling with `behaviour`; stopped after the test."""
    from retail_common.events.consumer.runner import ConsumerRunner
    from retail_common_tests.events_support import GROUP, TOPIC
    from retail_dev.events_testing import ConsumerThread

    thread = ConsumerThread(ConsumerRunner(GROUP, handlers={TOPIC: behaviour}))
    thread.start()
    yield thread
    thread.stop()
