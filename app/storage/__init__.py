"""app/storage package."""
