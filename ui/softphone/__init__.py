"""The seat's softphone window and its parts (PySide6)."""
