"""The errors the core raises for input a user can fix (its own home, so every module can raise them)."""


class SettingsError(Exception):
    """Configuration the pack does not understand: names the file and the key path."""
