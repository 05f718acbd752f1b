"""The session cookie is written only by a coop's page that changed it: a late favicon or error
page can never overwrite a newer sign-in (what signed people out on slow phone links)."""

from __future__ import annotations

import pytest

from tests.conftest import login

ICONS = ("/favicon.ico", "/favicon.svg", "/apple-touch-icon.png",
         "/apple-touch-icon-precomposed.png")


def _set_cookies(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("gerai_session=")]


@pytest.mark.parametrize("path", ICONS)
def test_icons_are_cached_files_at_the_root(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon", "image/svg+xml",
                                 "image/png"}
    assert len(response.get_data()) > 100
    assert response.cache_control.max_age and response.cache_control.max_age >= 86400
    assert not response.cache_control.no_store


def test_responses_that_did_not_change_the_session_do_not_write_it(
    app, make_tenant, make_user
) -> None:
    """Replays the slow-link race: requests that left with the pre-login cookie answer after the
    sign-in; none of them may send a cookie back, so the signed-in one stays."""
    a = make_tenant()
    make_user(a, "cashier", email="kasir@a.id")
    browser = app.test_client()
    assert browser.get(f"/{a.slug}/login").status_code == 200
    before = browser.get_cookie("gerai_session").value  # the pre-login session (CSRF token)
    assert login(browser, a.slug, "kasir@a.id").status_code == 302
    signed_in = browser.get_cookie("gerai_session").value
    assert signed_in != before

    late = app.test_client()
    late.set_cookie("gerai_session", before)
    for path in (*ICONS, "/favicon.ico/", "/no-such-coop/x", f"/{a.slug}/no-such-page",
                 "/static/gerai.css", f"/{a.slug}/login"):
        response = late.get(path)
        assert _set_cookies(response) == [], path
    # Signed in: pages that change nothing in the session send no cookie either.
    for path in (f"/{a.slug}/", f"/{a.slug}/participants", "/favicon.ico", "/nope"):
        assert _set_cookies(browser.get(path)) == [], path
    assert browser.get_cookie("gerai_session").value == signed_in
    assert browser.get(f"/{a.slug}/").status_code == 200
