"""What a receipt PDF costs: the first one in a process, then each A6 and 58 mm one.

    .venv/bin/python -m bench.receipt_pdf [--n 50]

CPU time of this process (``time.process_time``). The first PDF pays for cutting DejaVu Sans to
the receipt's repertoire once (``app.payments.pdf.font_paths``); the others only load the cut font,
lay out the receipt (twice on a roll: once to measure its length) and write the file. Needs no
database: the receipt is a fixed one of three months with a discount, cash and change.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import machine

RECEIPT = {
    "coop_name": "Koperasi Nelayan Sungai Lumpur",
    "title": "Kwitansi Iuran BPJS Ketenagakerjaan",
    "mark": "",
    "void": None,
    "lines": [
        ("No. kwitansi", "KMP-2026-000123"), ("Nama peserta", "Siti Aisyah binti Abdullah"),
        ("NIK", "2104********0001"), ("KPJ", "–"), ("Periode", "November 2026 – Januari 2027"),
        ("Lunas sampai", "Januari 2027"),
    ],
    "rows": [
        {"label": "November 2026", "amount": 8400, "note": "potongan Rp8.400"},
        {"label": "Desember 2026", "amount": 8400, "note": "potongan Rp8.400"},
        {"label": "Januari 2027", "amount": 16800, "note": ""},
    ],
    "total_label": "Jumlah",
    "total": 33600,
    "cash": [("Uang diterima", 50000), ("Kembalian", 16400)],
    "cashier_label": "Petugas",
    "cashier": "Rina (kasir)",
    "paid_on_text": "10 November 2026 09.25",
    "closing_words": "Terima kasih. Simpan kwitansi ini sebagai bukti pembayaran.",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.receipt_pdf", description=__doc__)
    parser.add_argument("--n", type=int, default=50, help="PDFs per size (default 50)")
    args = parser.parse_args()
    from app.payments.pdf import font_paths, receipt_pdf

    start = time.process_time()
    receipt_pdf(RECEIPT, "a6")
    first = time.process_time() - start
    print(machine())
    print(f"font: {'DejaVu Sans (cut)' if font_paths() else 'Helvetica fallback'}")
    print(f"first PDF in the process: {first * 1000:.0f} ms")
    for size in ("a6", "58"):
        times, size_bytes = [], 0
        for _ in range(args.n):
            start = time.process_time()
            size_bytes = len(receipt_pdf(RECEIPT, size))
            times.append(time.process_time() - start)
        print(f"{size:>3}: median {statistics.median(times) * 1000:.1f} ms, "
              f"p95 {sorted(times)[int(0.95 * len(times)) - 1] * 1000:.1f} ms, {size_bytes} bytes")


if __name__ == "__main__":
    main()
