"""Hardening that every door shares: storable text, redacted keys, login lockouts."""
