"""Every dues test computes its answers afresh.

``load_rules`` and the platform quote are memoised per process. A test that finds its answer in a
cache filled by an earlier test (or, under ``make mutate``, by the unmutated run that mutmut forks
from) checks nothing about the code it names, so the caches are emptied before each test.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

# By module path: app.dues re-exports functions named like its modules (quote).
periods = importlib.import_module("app.dues.periods")
quotes = importlib.import_module("app.dues.quote")
rules = importlib.import_module("app.dues.rules")


@pytest.fixture(autouse=True)
def _fresh_dues_caches() -> Iterator[None]:
    rules.load_rules.cache_clear()
    quotes._quote_with_platform_rules.cache_clear()
    periods._from_index.cache_clear()
    yield
