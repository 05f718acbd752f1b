"""The receipt as a PDF (A6 portrait), with the same content as the printable page."""

from __future__ import annotations

from typing import Any

from fpdf import FPDF

from app.formatting import long_date, period_name, rupiah


def _latin(value: Any) -> str:
    """The PDF core fonts speak Latin-1: anything else becomes '?' rather than failing."""
    return str(value).encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(receipt: dict[str, Any]) -> bytes:
    """``receipt`` is the dict the receipt template renders (see ``views.receipt_context``)."""
    pdf = FPDF(orientation="P", unit="mm", format=(105, 148))  # A6
    pdf.set_margins(8, 8, 8)
    pdf.set_auto_page_break(True, margin=8)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 6, _latin(receipt["coop_name"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    title = receipt["title"] + (f" - {receipt['copy_label']}" if receipt["is_copy"] else "")
    pdf.multi_cell(0, 5, _latin(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in receipt["lines"]:
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(30, 5, _latin(label))
        pdf.set_font("Helvetica", "B", 8)
        pdf.multi_cell(0, 5, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("Helvetica", "", 8)
    for row in receipt["periods"]:
        label = period_name(row["period"])
        if row.get("discount"):
            label += f" ({receipt['discount_label']} {rupiah(row['discount'])})"
        pdf.cell(60, 5, _latin(label))
        pdf.cell(0, 5, rupiah(row["amount"]), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(45, 7, _latin(receipt["total_label"]))
    pdf.cell(0, 7, rupiah(receipt["total"]), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    if receipt.get("cash_received"):
        for label, amount in (
            (receipt["cash_label"], receipt["cash_received"]),
            (receipt["change_label"], receipt["cash_received"] - receipt["total"]),
        ):
            pdf.cell(45, 5, _latin(label))
            pdf.cell(0, 5, rupiah(amount), align="R", new_x="LMARGIN", new_y="NEXT")
    if receipt.get("voided_label"):
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(
            0, 6, _latin(receipt["voided_label"]), align="C", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        0,
        5,
        _latin(f"{receipt['cashier_label']}: {receipt['cashier']}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    paid_on = receipt["paid_on"]
    pdf.multi_cell(
        0, 5, _latin(f"{long_date(paid_on)} {paid_on:%H:%M}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.multi_cell(0, 5, _latin(receipt["thanks"]), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
