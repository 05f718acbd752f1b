"""Web page tests reuse the participants fixtures: a coop with a user and token per role."""

import pytest

from tests.participants.conftest import (  # noqa: F401
    _remember_app,
    coop,
    counter_day,
    make_coop,
    set_today,
)


@pytest.fixture
def web(make_coop):  # type: ignore[no-untyped-def]  # noqa: F811
    """A coop whose staff can sign in on the web."""
    return make_coop(passwords=True)
