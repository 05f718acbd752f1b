"""Web page tests reuse the participants fixtures: a coop with a user and token per role."""

from tests.participants.conftest import (  # noqa: F401
    _remember_app,
    coop,
    make_coop,
    set_today,
)
