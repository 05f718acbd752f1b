"""The icons browsers ask for at the site's root, served as cached static files.

Every page load makes a browser ask for ``/favicon.ico`` (phones also for
``/apple-touch-icon*.png``); without these routes the request fell through to ``/<coop>/`` and
ended in a redirect and a 404.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, send_from_directory

ICONS = {
    "favicon.ico": "favicon.ico",
    "favicon.svg": "favicon.svg",
    "apple-touch-icon.png": "apple-touch-icon.png",
    "apple-touch-icon-precomposed.png": "apple-touch-icon.png",
    "icon-192.png": "icon-192.png",
}
ENDPOINT = "icon"
MAX_AGE = 7 * 24 * 3600


def icon(name: str) -> Response:
    response = send_from_directory(
        current_app.static_folder or "", ICONS[name], max_age=MAX_AGE, conditional=True
    )
    response.cache_control.public = True
    return response


def init_app(app: Flask) -> None:
    for name in ICONS:
        app.add_url_rule(f"/{name}", endpoint=ENDPOINT, view_func=icon, defaults={"name": name})
