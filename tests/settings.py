"""Where the test suite finds its services (environment, with localhost defaults)."""

import os

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
OWNER_ROLE = os.environ.get("TEST_OWNER_ROLE", "gerai_test_owner")
APP_ROLE = os.environ.get("TEST_APP_ROLE", "gerai_test_app")
