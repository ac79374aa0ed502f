"""Embedded infrastructure for dev and tests: PostgreSQL, Redis and a Kafka-protocol broker."""

from retail_dev.infra.broker import Broker
from retail_dev.infra.postgres import Postgres
from retail_dev.infra.redis import Redis


def components():
    return [Postgres(), Redis(), Broker()]
