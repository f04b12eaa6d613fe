"""twostep: two-step verification (TOTP) for the terminal and for your own services."""

__version__ = "0.1.0"
