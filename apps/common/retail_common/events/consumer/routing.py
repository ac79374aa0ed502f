"""Step 3 of the consumer pipeline: where a failed record goes, the next retry topic or the dead-letter topic.

Like arroyo's dead-letter policy, the decision is a value (`Forward`); sending it is forwarding.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from retail_common.events import raw_message, registry

MAX_ATTEMPTS = len(registry.RETRY_DELAYS_SECONDS) + 1


@dataclass(frozen=True)
class Forward:
    """A record to copy to `target` once the batch has committed, with the attempt it becomes there."""

    msg: object
    topic: str  # the logical main topic the record belongs to
    target: str
    exc: BaseException
    attempt: int
    delay: float


def attempt_of(headers: dict[str, str]) -> int:
    """Attempts made before this delivery (0 on the main topic), bounded so a forged header cannot skip ahead."""
    return raw_message.header_int(headers, "retry-attempt", 0, high=MAX_ATTEMPTS)


def route_poison(msg, *, topic: str, group: str, attempt: int, exc: BaseException) -> Forward:
    """A record that can never succeed: straight to the dead-letter topic."""
    return Forward(msg, topic, registry.dlt_topic(topic, group), exc, attempt + 1, 0)


def route_failure(msg, *, topic: str, group: str, attempt: int, exc: BaseException) -> Forward:
    """The handler's own failure: the next retry topic with its delay, the dead-letter topic after the last."""
    if attempt + 1 < MAX_ATTEMPTS:
        target = registry.retry_topic(topic, group, attempt)
        return Forward(msg, topic, target, exc, attempt + 1, registry.RETRY_DELAYS_SECONDS[attempt])
    return route_poison(msg, topic=topic, group=group, attempt=attempt, exc=exc)
