"""One registry of every topic: the main topics, and per consuming group its retry and dead-letter topics.

Names here are logical; `physical()` adds the deployment's prefix (KAFKA_TOPIC_PREFIX),
which test runs use to get topics of their own on a shared broker.
"""

from __future__ import annotations

from retail_common.config.retail_settings import retail_settings
from retail_common.config.topology import TOPOLOGY

MAIN_TOPICS = tuple(t.name for t in TOPOLOGY.topics)
# topic -> consumer groups (one group per consuming service), as in the saga of docs/architecture.md §5.
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = TOPOLOGY.subscriptions()

RETRY_DELAYS_SECONDS = (1, 2, 4)


def subscriptions() -> dict[str, tuple[str, ...]]:
    """The saga's subscriptions plus any extra ones configured (RETAIL['EXTRA_SUBSCRIPTIONS'])."""
    merged = {topic: tuple(groups) for topic, groups in SUBSCRIPTIONS.items()}
    for topic, groups in retail_settings().EXTRA_SUBSCRIPTIONS.items():
        merged[topic] = tuple(dict.fromkeys((*merged.get(topic, ()), *groups)))
    return merged


def retry_topic(topic: str, group: str, attempt: int) -> str:
    return f"{topic}.{group}.retry-{attempt}"


def dlt_topic(topic: str, group: str) -> str:
    return f"{topic}.{group}.dlt"


def group_topics(topic: str, group: str) -> list[str]:
    return [retry_topic(topic, group, n) for n in range(len(RETRY_DELAYS_SECONDS))] + [dlt_topic(topic, group)]


def all_topics() -> list[str]:
    names: list[str] = []
    for topic, groups in subscriptions().items():
        names.append(topic)
        for group in groups:
            names.extend(group_topics(topic, group))
    return names


def physical(name: str) -> str:
    return f"{retail_settings().TOPIC_PREFIX}{name}"


def logical(name: str) -> str:
    prefix = retail_settings().TOPIC_PREFIX
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def parse_topic(name: str) -> tuple[str, str | None, str]:
    """Split a logical topic into (main topic, group or None, kind) with kind main|retry-N|dlt."""
    parts = name.rsplit(".", 2)
    if len(parts) == 3 and (parts[2] == "dlt" or parts[2].startswith("retry-")):
        return parts[0], parts[1], parts[2]
    return name, None, "main"
