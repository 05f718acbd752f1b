"""Payments tests reuse the participants fixtures: a coop with a user and token per role."""

from tests.participants.conftest import coop, make_coop, set_today  # noqa: F401
