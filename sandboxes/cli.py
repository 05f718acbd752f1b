"""Entry point behind `gerai sandbox xendit|midtrans`."""

from __future__ import annotations

import click
from werkzeug.serving import run_simple


def serve(provider: str, host: str, port: int, callback_url: str | None,
          callback_token: str | None) -> None:
    """Build the chosen sandbox and serve it until interrupted."""
    if provider == "xendit":
        from sandboxes import xendit

        app = xendit.create_app(callback_url=callback_url, callback_token=callback_token)
        click.echo(f"x-callback-token: {app.config['CALLBACK_TOKEN']}")
        click.echo(f"Xendit base URL: http://{host}:{port}")
    else:
        from sandboxes import midtrans

        app = midtrans.create_app(callback_url=callback_url)
        click.echo(f"Midtrans Snap base URL: http://{host}:{port}/snap/v1")
        click.echo(f"Midtrans Core base URL: http://{host}:{port}")
    run_simple(host, port, app, threaded=True)
