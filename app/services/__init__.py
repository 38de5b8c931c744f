"""app/services package."""
