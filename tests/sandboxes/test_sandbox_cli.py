"""`gerai sandbox xendit|midtrans` builds the right sandbox and serves it on the given port."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from app.cli import sandbox_cmd
from sandboxes import cli as sandbox_cli


@pytest.mark.parametrize(("provider", "path"), [("xendit", "/v2/invoices/x"),
                                                 ("midtrans", "/v2/x/status")])
def test_sandbox_command_serves_the_provider(monkeypatch: pytest.MonkeyPatch, provider: str,
                                             path: str) -> None:
    served: dict[str, Any] = {}
    monkeypatch.setattr(sandbox_cli, "run_simple",
                        lambda host, port, app, **kw: served.update(host=host, port=port, app=app))
    result = CliRunner().invoke(sandbox_cmd, [provider, "--port", "8931",
                                              "--callback-url", "http://127.0.0.1:1/hook"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"]) == ("127.0.0.1", 8931)
    assert served["app"].test_client().get(path).status_code == 401
    assert served["app"].config["DELIVERER"].callback_url == "http://127.0.0.1:1/hook"


def test_unknown_provider_is_refused() -> None:
    result = CliRunner().invoke(sandbox_cmd, ["stripe"])
    assert result.exit_code == 2 and "stripe" in result.output
