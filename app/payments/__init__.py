"""Payments: cash at the counter, receipts, voids and the day's closing."""
