"""The providers' own Python SDKs work against the sandboxes with only the base URL changed."""

from __future__ import annotations

import pytest

# A virtualenv older than the dev lock lacks the SDKs; `make install` brings them. Skipping (not
# failing collection) keeps such a venv's run of the rest of the suite usable meanwhile.
midtransclient = pytest.importorskip("midtransclient", reason="dev SDK missing: run make install")
pytest.importorskip("xendit", reason="dev SDK missing: run make install")

from midtransclient.error_midtrans import MidtransAPIError  # noqa: E402
from xendit import ApiClient, Configuration  # noqa: E402
from xendit.invoice import InvoiceApi  # noqa: E402
from xendit.invoice.model.create_invoice_request import CreateInvoiceRequest  # noqa: E402


def test_xendit_sdk_creates_and_reads_an_invoice(xendit_url: str) -> None:
    # xendit-python takes the base URL as Configuration(host=...).
    config = Configuration(api_key="xnd_development_abcdefgh12345678", host=xendit_url)
    api = InvoiceApi(ApiClient(config))
    inv = api.create_invoice(CreateInvoiceRequest(external_id="gerai-sdk", amount=16800.0))
    assert inv.status.value == "PENDING" and inv.external_id == "gerai-sdk"
    again = api.get_invoice_by_id(inv.id)
    assert again.id == inv.id and again.amount == 16800 and again.status.value == "PENDING"


def test_xendit_paid_callback_parses_as_the_sdks_invoice_callback(xendit_url: str,
                                                                 receiver) -> None:  # noqa: ANN001
    import httpx
    from xendit.invoice.model.invoice_callback import InvoiceCallback

    config = Configuration(api_key="xnd_development_abcdefgh12345678", host=xendit_url)
    inv = InvoiceApi(ApiClient(config)).create_invoice(
        CreateInvoiceRequest(external_id="gerai-cb", amount=16800.0))
    httpx.post(inv.invoice_url, data={"action": "pay"})
    (hit,) = receiver[0].wait_for(1)
    cb = InvoiceCallback._new_from_openapi_data(  # the SDK's own strict, typed model
        **hit["body"], _spec_property_naming=True, _check_type=True, _configuration=config)
    assert (cb.id, cb.status, cb.paid_amount) == (inv.id, "PAID", 16800.0)


def _point(client: midtransclient.Snap | midtransclient.CoreApi, url: str) -> None:
    # midtransclient has no base-URL argument; its ApiConfig reads the URLs from attributes,
    # so setting them on the instance points it elsewhere without touching the library.
    client.api_config.SNAP_SANDBOX_BASE_URL = url + "/snap/v1"
    client.api_config.CORE_SANDBOX_BASE_URL = url


def test_midtrans_sdk_creates_a_snap_and_reads_its_status(midtrans_url: str) -> None:
    import httpx

    snap = midtransclient.Snap(is_production=False, server_key="SB-Mid-server-abcdefgh12345678")
    _point(snap, midtrans_url)
    created = snap.create_transaction(
        {"transaction_details": {"order_id": "gerai-sdk", "gross_amount": 16800}})
    assert created["redirect_url"].endswith(created["token"])
    with pytest.raises(MidtransAPIError) as err:  # no method picked yet: 404
        snap.transactions.status("gerai-sdk")
    assert err.value.http_status_code == 404
    httpx.post(created["redirect_url"], data={"action": "pay"})
    status = snap.transactions.status("gerai-sdk")
    assert status["transaction_status"] == "settlement" and status["gross_amount"] == "16800.00"
    core = midtransclient.CoreApi(is_production=False, server_key="SB-Mid-server-abcdefgh12345678")
    _point(core, midtrans_url)
    assert core.transactions.status("gerai-sdk")["order_id"] == "gerai-sdk"


def test_midtrans_sdk_bad_key_raises_401(midtrans_url: str) -> None:
    snap = midtransclient.Snap(is_production=False, server_key="wrong")
    _point(snap, midtrans_url)
    with pytest.raises(MidtransAPIError) as err:
        snap.create_transaction({"transaction_details": {"order_id": "x", "gross_amount": 1}})
    assert err.value.http_status_code == 401
