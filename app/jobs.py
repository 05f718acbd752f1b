"""The one way the app queues background work (filled in by the jobs foundation)."""

from __future__ import annotations

from flask import current_app


def redis_ping() -> bool:
    import redis

    url = current_app.config["GERAI"].redis_url
    if not url:
        return True
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False
