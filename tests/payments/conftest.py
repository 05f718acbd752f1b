"""Payments tests reuse the participants fixtures: a coop with a user and token per role.

The counter's web tests also share a fixed day and staff signed in through the login form.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import login
from tests.participants.conftest import coop, counter_day, make_coop, set_today  # noqa: F401


@pytest.fixture
def staff_roles() -> tuple[str, ...]:
    """Which roles ``staff`` signs in; a module overrides it to add one."""
    return ("admin", "cashier", "pengawas")


@pytest.fixture
def staff(make_coop, app, staff_roles) -> tuple[Any, dict[str, Any]]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A coop with passwords and one signed-in web client per role in ``staff_roles``."""
    made = make_coop(passwords=True)
    clients = {}
    for role in staff_roles:
        clients[role] = app.test_client()
        assert login(clients[role], made.slug, made.emails[role]).status_code == 302
    return made, clients


@pytest.fixture
def cashier(make_coop, app) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A coop with passwords and its cashier signed in through the web form."""
    made = make_coop(passwords=True)
    client = app.test_client()
    assert login(client, made.slug, made.emails["cashier"]).status_code == 302
    return made, client
