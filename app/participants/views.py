"""Participant pages under ``/<tenant-slug>/participants``: list and search, register, the
participant's page (coverage strip and quote), edit, and sponsors. Routes only: the work is in
``services``; another coop's participant (or a malformed id) is a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from app import clock
from app.auth.access import actor_from_request, requires
from app.auth.services import can
from app.dues import STATUSES, Period, TooManyMonths, quote, quote_month
from app.participants import labels, listing, services
from app.participants.coverage_state import terms_of
from app.participants.forms import EndSponsorForm, ParticipantForm, RegisterForm, SponsorForm
from app.participants.identifiers import FieldError, mask_number
from app.participants.models import Participant
from app.participants.services import DuplicateParticipant, Invalid
from app.participants.strip import CELL, SYMBOLS, coverage_strip, state_labels
from app.participants.validation import parse_month
from app.payments.history import payment_history
from tenants.db import db

bp = Blueprint(
    "participants", __name__, url_prefix="/<tenant_slug>/participants", template_folder="templates"
)

PAGE_SIZE = 25
QUOTE_CHOICES = (1, 3, 6, 12)


STATUS_BADGE = {"new": "", "active": "ok", "grace": "warn", "lapsed": "bad"}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "status_labels": labels.status_labels(),
        "status_badge": STATUS_BADGE,
        "sector_labels": labels.sector_labels(),
        "coop_role_labels": labels.coop_role_labels(),
        "channel_labels": labels.channel_labels(),
        "sponsor_type_labels": labels.sponsor_type_labels(),
        "sex_labels": labels.sex_labels(),
        "mask": mask_number,
        "can_write": can(current_user, "participants.write"),
        "month_text": lambda index: str(Period.from_index(index)) if index is not None else "",
        "can_export_full": lambda: can(current_user, "export.full"),
    }


def _load(participant_id: uuid.UUID) -> Participant:
    p = services.get_participant(participant_id)
    if p is None:
        abort(404)
    return p


def _pay_url(p: Participant, months: int) -> str | None:
    """The counter's payment page for these months, when payments are installed and allowed."""
    endpoint = "payments.new"
    if endpoint not in current_app.view_functions or not can(current_user, "payments.write"):
        return None
    try:
        return url_for(endpoint, participant_id=p.id, months=months)
    except BuildError:
        return None


def _receipt_url_maker() -> Callable[[uuid.UUID], str] | None:
    """How the history links a receipt (None when the receipt pages are not installed)."""
    if "payments.receipt" not in current_app.view_functions:
        return None
    return lambda payment_id: url_for("payments.receipt", payment_id=payment_id)


def _import_url() -> str | None:
    """The Excel import page (``import_views``), for staff who register participants."""
    endpoint = "participant_excel.upload_form"
    if not can(current_user, "participants.write"):
        return None
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint)
    except BuildError:
        return None


@bp.get("")
@requires("read")
def index():  # type: ignore[no-untyped-def]
    q = (request.args.get("q") or "").strip()[: listing.MAX_QUERY]
    status = request.args.get("status") or None
    status = status if status in STATUSES else None
    arrears_raw = request.args.get("arrears") or ""
    min_arrears = int(arrears_raw) if arrears_raw in ("1", "2", "3", "4") else None
    cursor = request.args.get("cursor") or None
    today = clock.today()
    http_status = 200
    try:
        page = listing.list_participants(
            q=q or None, status=status, min_arrears=min_arrears, cursor=cursor,
            limit=PAGE_SIZE, today=today,
        )
    except listing.InvalidCursor:
        # an edited or stale link: say so and show the first page instead
        flash(_("Tautan halaman ini tidak berlaku; ini halaman pertama."), "error")
        cursor, http_status = None, 400
        page = listing.list_participants(
            q=q or None, status=status, min_arrears=min_arrears, limit=PAGE_SIZE, today=today
        )
    filtered = bool(q or status or min_arrears or cursor)
    if not cursor and page.next_cursor is None:
        total = len(page.rows)  # the whole answer is on this page: no second query
    else:
        total = listing.count_participants(
            q=q or None, status=status, min_arrears=min_arrears, today=today
        )
    empty_coop = not page.rows and not filtered and total == 0
    amounts = {r.participant.id: services.coverage_of(r.participant, today)[1] for r in page.rows}
    return render_template(
        "participants/index.html",
        page=page,
        total=total,
        amounts=amounts,
        q=q,
        status=status,
        arrears=arrears_raw if min_arrears else "",
        empty_coop=empty_coop,
        import_url=_import_url(),
        export_links="participant_excel.export" in current_app.view_functions,
        statuses=STATUSES,
    ), http_status


def _today_period() -> Period:
    return Period.of(clock.today())


@bp.route("/new", methods=["GET", "POST"])
@requires("participants.write")
def new():  # type: ignore[no-untyped-def]
    form = RegisterForm(today_period=_today_period())
    duplicate = None
    status = 200
    if form.validate_on_submit():
        made: list[uuid.UUID] = []
        status, duplicate = _save(
            form, lambda: made.append(services.register(form.to_data(), actor_from_request()).id)
        )
        if status == 0:
            flash(_("Peserta didaftarkan."), "ok")
            return redirect(url_for("participants.show", participant_id=made[0]))
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 422
    return render_template(
        "participants/form.html", form=form, duplicate=duplicate, participant=None
    ), status


def _save(form: Any, write: Callable[[], object]) -> tuple[int, DuplicateParticipant | None]:
    """Run a participant write and commit it; on refusal roll back and put the messages on the
    form. Returns (0, None) when saved, else (422 or 409, the duplicate if any)."""
    try:
        write()
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        form.show_errors(exc.errors)
        return 422, None
    except DuplicateParticipant as exc:
        db.session.rollback()
        form.show_errors({exc.field: exc.message})
        return 409, exc
    return 0, None


@bp.route("/<uuid:participant_id>/edit", methods=["GET", "POST"])
@requires("participants.write")
def edit(participant_id: uuid.UUID):  # type: ignore[no-untyped-def]
    p = _load(participant_id)
    form = ParticipantForm(today_period=_today_period())
    duplicate = None
    status = 200
    if request.method == "GET":
        form.fill(p)
    elif form.validate_on_submit():

        def write() -> None:
            locked = services.lock_participant(participant_id) or abort(404)
            services.update(locked, form.to_data(), actor_from_request())

        status, duplicate = _save(form, write)
        if status == 0:
            flash(_("Data peserta disimpan."), "ok")
            return redirect(url_for("participants.show", participant_id=participant_id))
    else:
        status = 400 if form.csrf_token.errors else 422
    p = _load(participant_id)
    return render_template(
        "participants/form.html", form=form, duplicate=duplicate, participant=p
    ), status


@bp.get("/<uuid:participant_id>")
@requires("read")
def show(participant_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return _render_show(_load(participant_id))


def _render_show(
    p: Participant,
    sponsor_form: SponsorForm | None = None,
    end_form: EndSponsorForm | None = None,
    status: int = 200,
    end_sponsor_id: uuid.UUID | None = None,
):  # type: ignore[no-untyped-def]
    today = clock.today()
    cov, arrears_amount = services.coverage_of(p, today)
    raw = request.args.get("months", "1")
    months = int(raw) if raw in {str(n) for n in QUOTE_CHOICES} else 1
    try:
        plan = services.plan_for(p, months, today)
        rows, total = quote(plan.months, terms_of(p))
        restart = plan.restart_start
    except TooManyMonths:
        rows, total, restart = [], 0, None
    strip = coverage_strip(p, today)
    return render_template(
        "participants/show.html",
        p=p,
        history=payment_history(p.id),
        receipts_url=_receipt_url_maker(),
        cov=cov,
        arrears_amount=arrears_amount,
        monthly=quote_month(Period.of(today), terms_of(p)).amount,
        quote_rows=rows,
        quote_total=total,
        quote_months=months,
        quote_choices=QUOTE_CHOICES,
        pay_url=_pay_url(p, months) if total > 0 else None,
        restart=restart,
        strip=strip,
        current=Period.of(today),
        strip_width=len(strip) * CELL,
        state_labels=state_labels(),
        symbols=SYMBOLS,
        sponsor_form=sponsor_form or SponsorForm(formdata=None),
        end_form=end_form or EndSponsorForm(formdata=None),
        end_sponsor_id=end_sponsor_id,
        today=today,
        show_full_numbers=can(current_user, "identity.full"),
    ), status


@bp.post("/<uuid:participant_id>/sponsors")
@requires("participants.write")
def add_sponsor(participant_id: uuid.UUID):  # type: ignore[no-untyped-def]
    _load(participant_id)
    form = SponsorForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        p = services.lock_participant(participant_id) or abort(404)
        services.add_sponsor(p, form.sponsor_data(), actor_from_request())
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        form.show_sponsor_errors(exc.errors, "")
        return _render_show(_load(participant_id), sponsor_form=form, status=422)
    flash(_("Sponsor ditambahkan."), "ok")
    return redirect(url_for("participants.show", participant_id=participant_id))


@bp.post("/<uuid:participant_id>/sponsors/<uuid:sponsor_id>/end")
@requires("participants.write")
def end_sponsor(participant_id: uuid.UUID, sponsor_id: uuid.UUID):  # type: ignore[no-untyped-def]
    _load(participant_id)
    form = EndSponsorForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        until = parse_month((form.until.data or "").strip())
        p = services.lock_participant(participant_id) or abort(404)
        services.end_sponsor(p, sponsor_id, until, actor_from_request())
        db.session.commit()
    except LookupError:
        db.session.rollback()
        abort(404)
    except (Invalid, FieldError) as exc:
        db.session.rollback()
        message = exc.errors.get("until") if isinstance(exc, Invalid) else exc.message
        form.until.errors = [message]
        return _render_show(
            _load(participant_id), end_form=form, status=422, end_sponsor_id=sponsor_id
        )
    flash(_("Sponsor diakhiri."), "ok")
    return redirect(url_for("participants.show", participant_id=participant_id))
