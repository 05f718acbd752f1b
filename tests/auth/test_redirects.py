"""``?next=`` can only lead to a page of this site (and, after sign-in, of this coop).

Checked as a browser reads the ``Location`` header: it drops tabs and newlines anywhere, leading
and trailing C0 controls and spaces, and treats ``\\`` as ``/`` — so ``/%09/evil.example`` is
``//evil.example``, another site. Such values, and newlines that would break the header (a 500),
lead to the default page instead.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest

from app.redirects import safe_next
from tests.conftest import PASSWORD, _csrf_from

EVIL = [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "%09//evil.example",
    "%20//evil.example", "%01/%01/evil.example", "/%5cevil.example",
    "%5c%5cevil.example", "/%09%5c/evil.example", "//evil.example", "https://evil.example/",
    "https:evil.example", "javascript:alert(1)", "/x%0d%0aSet-Cookie:%20a=b", "%0a",
    "///evil.example", "/%e2%80%8b/evil.example", "evil.example", "/.%09/evil.example",
]


def _as_browser_reads(location: str) -> str:
    """The URL a browser follows for this Location value (WHATWG URL parsing, the parts that
    matter for where it goes)."""
    value = re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", location)
    value = re.sub(r"[\t\n\r]", "", value)
    return value.replace("\\", "/")


def _assert_same_site(location: str, prefix: str) -> None:
    read = urlsplit(_as_browser_reads(location))
    assert read.scheme in ("", "http") and read.netloc in ("", "localhost"), location
    assert read.path.startswith(prefix), location
    assert not re.search(r"[\x00-\x1f\x7f]", location), location


@pytest.mark.parametrize("raw", EVIL)
def test_language_switch_never_leaves_the_site(client, raw) -> None:
    response = client.get(f"/lang/en?next={raw}")
    assert response.status_code == 302
    _assert_same_site(response.headers["Location"], "/")
    assert response.headers["Location"] == "/"


def test_language_switch_keeps_a_page_of_the_site(client) -> None:
    target = "/some-coop/participants?q=Ahmad&status=active"
    response = client.get(f"/lang/en?next={quote(target)}")
    assert response.status_code == 302 and response.headers["Location"] == target
    assert "gerai_lang=en" in response.headers["Set-Cookie"]


def _login(client, slug, email, next_raw):  # type: ignore[no-untyped-def]
    url = f"/{slug}/login?next={next_raw}"
    token = _csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"email": email, "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("raw", [*EVIL, "/other-coop/", "/", "/%2e%2e/other-coop/"])
def test_sign_in_next_stays_in_the_coop(app, make_tenant, make_user, raw) -> None:
    coop = make_tenant()
    make_user(coop, "admin", email="admin@a.id")
    client = app.test_client()
    response = _login(client, coop.slug, "admin@a.id", raw)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/{coop.slug}/"
    assert client.get(f"/{coop.slug}/").status_code == 200  # and the sign-in happened


def test_sign_in_next_to_a_page_of_the_coop(app, make_tenant, make_user) -> None:
    coop = make_tenant()
    make_user(coop, "admin", email="admin@a.id")
    target = f"/{coop.slug}/participants?q=Ahmad"
    response = _login(app.test_client(), coop.slug, "admin@a.id", quote(target))
    assert response.status_code == 302 and response.headers["Location"] == target


def test_sign_in_from_a_protected_page_returns_to_it(app, make_tenant, make_user) -> None:
    coop = make_tenant()
    make_user(coop, "admin", email="admin@a.id")
    client = app.test_client()
    sent = client.get(f"/{coop.slug}/participants?status=active")
    login_url = urlsplit(sent.headers["Location"])
    url = f"{login_url.path}?{login_url.query}"
    token = _csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"email": "admin@a.id", "password": PASSWORD,
                                      "csrf_token": token})
    assert response.headers["Location"] == f"/{coop.slug}/participants?status=active"


@pytest.mark.parametrize("value,slug,expected", [
    ("/kmp/participants", "kmp", "/kmp/participants"),
    ("/kmp", "kmp", "/kmp"),
    ("/kmp/", "kmp", "/kmp/"),
    ("/kmpx/participants", "kmp", "/d"),
    ("/kmp/../other/", "kmp", "/d"),
    ("/kmp/%2e%2e/other/", "kmp", "/d"),
    ("/kmp/a\\b", "kmp", "/d"),
    ("/any/page?x=1#top", None, "/any/page?x=1#top"),
    ("/kmp/p\u00e4ge", "kmp", "/kmp/p\u00e4ge"),
    ("/kmp/\u2028x", "kmp", "/d"),
    ("/\x7f/evil.example", None, "/d"),
    (None, None, "/d"),
    ("", None, "/d"),
])
def test_safe_next_rules(value, slug, expected) -> None:
    assert safe_next(value, slug, default="/d") == expected
