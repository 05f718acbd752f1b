"""Before the suite: say in one clear line if PostgreSQL or Redis cannot be reached (never skip)."""

from __future__ import annotations

import sys

import psycopg
import redis

from tests.settings import ADMIN_URL, REDIS_URL


def main() -> int:
    try:
        psycopg.connect(ADMIN_URL, connect_timeout=5).close()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        print(f"PostgreSQL is unreachable at TEST_DATABASE_URL={ADMIN_URL}: {first} "
              "(start it, e.g. bash .ci/run does)", file=sys.stderr)
        return 2
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except redis.RedisError as exc:
        print(f"Redis is unreachable at REDIS_URL={REDIS_URL}: {exc} (start redis-server)",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
