"""Python client for the twostep REST API."""
