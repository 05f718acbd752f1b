"""Participant models (filled in by the participants issue)."""
