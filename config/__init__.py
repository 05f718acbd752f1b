"""Settings from the environment, typed, in one place (see CONTRACT.md for the variable names)."""

from config.settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
