"""REST API v1 of the registers (care.api)."""
