"""Payments tests reuse the participants fixtures: a coop with a user and token per role."""

from tests.browser.support import browser, server  # noqa: F401 - shared browser fixtures
from tests.participants.conftest import coop, make_coop, set_today  # noqa: F401
