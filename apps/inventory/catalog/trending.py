"""Product views counted in hourly Redis buckets; trending is the sum of the last N hours."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger("catalog.trending")
BUCKET_TTL_SECONDS = 26 * 3600


def bucket_key(moment: datetime) -> str:
    return f"inventory:product:access:{moment:%Y%m%d%H}"


def view_record(product_id: int) -> None:
    """Count a product view; a Redis outage only loses the count."""
    key = bucket_key(datetime.now(UTC))
    try:
        pipe = get_redis_connection("default").pipeline(transaction=False)
        pipe.zincrby(key, 1, product_id)
        pipe.expire(key, BUCKET_TTL_SECONDS)
        pipe.execute()
    except RedisError as exc:
        logger.warning("product view not counted: %s", exc)


def trending_ids(limit: int = 10) -> list[tuple[int, int]]:
    """[(product_id, views)] over the last INVENTORY_TRENDING_HOURS hourly buckets, most viewed first."""
    now = datetime.now(UTC)
    keys = [bucket_key(now - timedelta(hours=h)) for h in range(settings.INVENTORY_TRENDING_HOURS)]
    try:
        ranked = get_redis_connection("default").zunion(keys, withscores=True)
    except RedisError as exc:
        logger.warning("trending unavailable: %s", exc)
        return []
    ranked.sort(key=lambda pair: (-pair[1], int(pair[0])))
    return [(int(member), int(score)) for member, score in ranked[:limit]]
