"""Job records per coop (filled in by the jobs issue)."""
