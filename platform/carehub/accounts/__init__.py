"""Accounts: staff of a unit (in its schema) and platform operators (in the public schema)."""
