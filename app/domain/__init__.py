"""app/domain package."""
