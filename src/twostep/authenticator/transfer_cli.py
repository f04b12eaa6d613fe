def register(subparsers):
    """Adds import/export (owned by the import/export helper)."""
