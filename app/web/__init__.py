"""Shared pages: the platform landing page, a coop's home, health, language, error pages."""
