"""Property-based: whatever bytes, key and headers a record has, the consumer never raises; a record on
the dead-letter topic is always stored, losslessly; one on a main topic is always handled or forwarded.

The records are built here (confluent_kafka.Message) and fed to the real ConsumerRunner, which writes
to the real PostgreSQL and forwards to the real broker.
"""

import itertools
import json

import pytest
from confluent_kafka import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from retail_common.events import registry
from retail_common.events.consumer.routing import Forward
from retail_common.events.consumer.runner import ConsumerRunner
from retail_common.events.outbox.write import envelope_build
from retail_common.events.raw_message import headers_from_lossless
from retail_common.models import FailedEvent
from retail_common_tests.events_support import GROUP, TOPIC, consumed_record
from retail_dev.factories import order_created_payload

pytestmark = pytest.mark.django_db(transaction=True)

# librdkafka ends a header name at a NUL, so names are text without one; values are any bytes or none.
header_names = st.text(st.characters(exclude_characters="\x00"), max_size=30)
headers = st.lists(st.tuples(header_names, st.none() | st.binary(max_size=500)), max_size=6)
keys = st.none() | st.binary(max_size=300)
# Valid events too: their handler then runs (and may fail on a key PostgreSQL refuses: a retry topic).
events = st.uuids().map(
    lambda u: json.dumps(envelope_build(event_type=TOPIC, payload=order_created_payload(u))).encode()
)
values = (
    st.none()
    | st.binary(max_size=3000)
    | st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass"))
    | events
)
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None)


class SpyingRunner(ConsumerRunner):
    """The real runner, remembering where it forwarded records; offsets are not stored, because these
    records were built here rather than fetched from an assigned partition."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.forwarded: list[str] = []
        forward = self.forwarder.forward

        def spying_forward(step: Forward) -> None:
            forward(step)
            self.forwarded.append(step.target)

        self.forwarder.forward = spying_forward
        self.committer.commit = lambda messages: None


@pytest.fixture
def runner(bus, behaviour):
    runner = SpyingRunner(GROUP, handlers={TOPIC: behaviour})
    yield runner
    runner.subscription.close()


def record(topic: str, offset: int, key, value, header_list) -> Message:
    return consumed_record(topic, offset=offset, key=key, value=value, headers=header_list)


def test_any_dead_letter_record_is_stored_losslessly(runner):
    offsets = itertools.count()
    dead_letters = registry.dlt_topic(TOPIC, GROUP)

    @BOUNDED
    @given(key=keys, value=values, header_list=headers)
    def check(key, value, header_list):
        last = FailedEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        runner.process_batch([record(dead_letters, next(offsets), key, value, header_list)])
        row = FailedEvent.objects.filter(id__gt=last).get()
        assert (row.raw_value is None and value is None) or bytes(row.raw_value) == value
        assert (row.raw_key is None and key is None) or bytes(row.raw_key) == key
        assert [v for _, v in headers_from_lossless(row.raw_headers)] == [v for _, v in header_list]
        assert row.value_size == len(value or b"")
        readable = row.key + row.payload + row.error_type + row.error_message + str(row.headers)
        assert "\x00" not in readable
        readable.encode("utf-8")  # no unpaired surrogate either

    check()
    ran = next(offsets)
    print(f"dead-letter property: {ran} records")
    assert ran >= 100, "the property ran on enough distinct records"


def test_any_main_topic_record_is_handled_or_forwarded_and_never_raises(runner, behaviour):
    offsets = itertools.count()

    @BOUNDED
    @given(key=keys, value=values, header_list=headers)
    def check(key, value, header_list):
        runner.forwarded.clear()
        handled_before = sum(len(a) for a in behaviour.attempts.values())
        runner.process_batch([record(TOPIC, next(offsets), key, value, header_list)])
        handled = sum(len(a) for a in behaviour.attempts.values()) - handled_before
        assert handled + len(runner.forwarded) == 1
        if runner.forwarded:
            assert runner.forwarded[0] in registry.group_topics(TOPIC, GROUP)

    check()
    ran = next(offsets)
    print(f"main-topic property: {ran} records, {sum(map(len, behaviour.attempts.values()))} reached the handler")
    assert ran >= 100, "the property ran on enough distinct records"
