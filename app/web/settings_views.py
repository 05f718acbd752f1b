"""The coop's settings page (admin): its receipt code, which every receipt number starts with.

The code is unique across the deployment and fixed once the coop has given a receipt number; it
is written by the owner's ``gerai_set_receipt_code`` (``tenants.provision``), since ``tenants`` is
a platform table the application role may not write.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from app.auth.access import actor_from_request, requires
from tenants import provision
from tenants.context import require_tenant
from tenants.db import db

bp = Blueprint("settings", __name__, url_prefix="/<tenant_slug>/settings",
               template_folder="templates")


class ReceiptCodeForm(FlaskForm):
    code = StringField(
        _l("Kode kwitansi"),
        validators=[
            DataRequired(_l("Isi kode kwitansi.")),
            Regexp(r"^[A-Za-z0-9]{2,8}$",
                   message=_l("Kode kwitansi 2 sampai 8 huruf A-Z atau angka.")),
        ],
        filters=[lambda v: (v or "").strip().upper()],
    )


def _page(form: ReceiptCodeForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "web/settings.html", tenant=require_tenant(), form=form,
        locked=provision.has_receipts(),
    ), status


@bp.get("/")
@requires("staff.manage")
def index():  # type: ignore[no-untyped-def]
    return _page(ReceiptCodeForm(code=require_tenant().code))


@bp.post("/receipt-code")
@requires("staff.manage")
def receipt_code():  # type: ignore[no-untyped-def]
    form = ReceiptCodeForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    actor = actor_from_request()
    try:
        provision.set_receipt_code(form.code.data, actor.user_id, actor.label)
        db.session.commit()
    except provision.CodeTaken:
        db.session.rollback()
        form.code.errors.append(_("Kode %(code)s sudah dipakai koperasi lain. Pilih kode lain.",
                                  code=form.code.data))
        return _page(form, 409)
    except provision.ReceiptsExist:
        db.session.rollback()
        form.code.errors.append(_("Kode kwitansi tidak bisa diubah lagi: koperasi ini sudah "
                                  "menerbitkan kwitansi dengan kode yang sekarang."))
        return _page(form, 409)
    except provision.ProvisionError:
        db.session.rollback()
        form.code.errors.append(_("Kode kwitansi 2 sampai 8 huruf A-Z atau angka."))
        return _page(form, 422)
    flash(_("Kode kwitansi disimpan: nomor kwitansi berikutnya %(example)s.",
            example=f"{form.code.data}-…-000001"), "ok")
    return redirect(url_for("settings.index"))
