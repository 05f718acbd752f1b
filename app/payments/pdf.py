"""The receipt as a PDF, on A6 or on a 58 mm roll, with the same content as the printable page.

The text is set in DejaVu Sans, embedded (subset, a few kB), so every letter and mark an
Indonesian receipt uses (the dash of an empty KPJ, quotes, accented names) prints as itself.
Debian's ``fonts-dejavu-core`` provides it (``.ci/run`` installs it). Without it the PDF falls back
to the core Helvetica with those marks spelled in ASCII — never a ``?``.

Parsing the whole DejaVu font costs ~0.2 s a document; each process therefore cuts it once to the
Latin letters, punctuation and currency signs (``REPERTOIRE``) into a private folder and loads that.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from fpdf import FPDF

from app.formatting import rupiah

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
ASCII = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "·": "-", "•": "-"}
)


@dataclass(frozen=True)
class Layout:
    """A paper size: ``height`` None means as long as the content (a roll)."""

    width: float
    height: float | None
    margin: float
    small: float  # font sizes in points
    normal: float
    big: float
    label_width: float
    line: float  # line height in mm


SIZES = {
    "a6": Layout(105, 148, 8, 7.5, 8.5, 11, 28, 4.6),
    "58": Layout(58, None, 3, 6.5, 7.5, 9.5, 20, 3.6),
}
ROLL_DRAFT_HEIGHT = 1000.0


# Basic Latin, Latin-1, Latin Extended-A and -B, general punctuation, currency signs, ™ and №.
REPERTOIRE = [
    *range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x2000, 0x2070), *range(0x20A0, 0x20C0),
    0x2116, 0x2122,
]


def installed_fonts() -> dict[str, str] | None:
    """DejaVu Sans regular and bold, when installed."""
    for folder in FONT_DIRS:
        paths = {style: os.path.join(folder, name) for style, name in FONT_FILES.items()}
        if all(os.path.exists(path) for path in paths.values()):
            return paths
    return None


@functools.lru_cache(maxsize=1)
def font_paths() -> dict[str, str] | None:
    """The installed fonts cut to ``REPERTOIRE``, in a folder of this process (made once)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    installed = installed_fonts()
    if installed is None:
        return None
    folder = tempfile.mkdtemp(prefix="gerai-fonts-")
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    paths = {}
    for style, source in installed.items():
        font = TTFont(source)
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=REPERTOIRE)
        cutter.subset(font)
        paths[style] = os.path.join(folder, os.path.basename(source))
        font.save(paths[style])
    return paths


class _Receipt(FPDF):
    """An FPDF that sets text in the embedded font, or in Helvetica spelled in Latin-1."""

    def __init__(self, layout: Layout, height: float) -> None:
        super().__init__(orientation="P", unit="mm", format=(layout.width, height))
        self.layout = layout
        self.set_margins(layout.margin, layout.margin, layout.margin)
        self.set_auto_page_break(layout.height is not None, margin=layout.margin)
        self.family = "Helvetica"
        fonts = font_paths()
        if fonts:
            for style, path in fonts.items():
                self.add_font("DejaVu", style, path)
            self.family = "DejaVu"
        self.add_page()

    def text_of(self, value: Any) -> str:
        text = str(value)
        if self.family == "DejaVu":
            return text
        return text.translate(ASCII).encode("latin-1", "replace").decode("latin-1")

    def style(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def para(self, text: Any, size: float, *, bold: bool = False, align: str = "L") -> None:
        self.style(size, bold)
        self.multi_cell(
            0, self.layout.line, self.text_of(text), align=align, new_x="LMARGIN", new_y="NEXT"
        )

    def pair(self, label: Any, value: Any) -> None:
        """A label and its value side by side; the value wraps under itself."""
        self.style(self.layout.small)
        self.cell(self.layout.label_width, self.layout.line, self.text_of(label))
        self.style(self.layout.normal, bold=True)
        self.multi_cell(
            0, self.layout.line, self.text_of(value), align="L", new_x="LMARGIN", new_y="NEXT"
        )

    def amount(self, label: Any, value: int, size: float, *, bold: bool = False) -> None:
        """A line with the amount at the right edge; a long label wraps on its left."""
        money = rupiah(value)
        self.style(size, bold)
        money_width = self.get_string_width(money) + 1
        top = self.get_y()
        self.multi_cell(
            self.epw - money_width, self.layout.line, self.text_of(label), align="L",
            new_x="RIGHT", new_y="TOP",
        )
        bottom = self.get_y() if self.get_y() > top else top
        self.set_xy(self.l_margin + self.epw - money_width, top)
        self.cell(money_width, self.layout.line, money, align="R")
        self.set_xy(self.l_margin, max(bottom, top + self.layout.line))

    def rule(self) -> None:
        self.ln(0.8)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(0.8)


def _draw(pdf: _Receipt, receipt: dict[str, Any]) -> None:
    size = pdf.layout
    pdf.para(receipt["coop_name"], size.big, bold=True, align="C")
    pdf.para(receipt["title"], size.small, align="C")
    if receipt["mark"]:
        pdf.para(receipt["mark"], size.big, bold=True, align="C")
    void = receipt["void"]
    if void:
        pdf.ln(1)
        pdf.para(void["label"], size.big, bold=True, align="C")
        pdf.para(void["when"], size.small, align="C")
        pdf.para(void["reason"], size.small, align="C")
    pdf.ln(1.5)
    for label, value in receipt["lines"]:
        pdf.pair(label, value)
    pdf.rule()
    for row in receipt["rows"]:
        pdf.amount(row["label"], row["amount"], size.normal)
        if row["note"]:
            pdf.para(row["note"], size.small)
    pdf.rule()
    pdf.amount(receipt["total_label"], receipt["total"], size.big, bold=True)
    for label, value in receipt["cash"]:
        pdf.amount(label, value, size.normal)
    pdf.ln(1.5)
    pdf.para(f"{receipt['cashier_label']}: {receipt['cashier']}", size.small)
    pdf.para(receipt["paid_on_text"], size.small)
    pdf.ln(1.5)
    pdf.para(receipt["closing_words"], size.small, bold=bool(void), align="C")


def receipt_pdf(receipt: dict[str, Any], size: str = "a6") -> bytes:
    """``receipt`` is the dict the receipt template renders (``receipt_views.receipt_context``).

    A roll has no fixed length: the receipt is laid out once on a long page to measure it, then
    again on a page cut to fit.
    """
    layout = SIZES[size]
    height = layout.height
    if height is None:
        draft = _Receipt(layout, ROLL_DRAFT_HEIGHT)
        _draw(draft, receipt)
        height = draft.get_y() + layout.margin
    pdf = _Receipt(layout, height)
    _draw(pdf, receipt)
    return bytes(pdf.output())
