"""The twostep server: a Django project that enforces two-step verification."""
