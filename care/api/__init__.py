"""REST API of the registers under /api/v1/ (see urls.py for the endpoints).

Views are thin: querysets come from care.access (so anything out of scope is simply not found), changes go
through care.services (which check scope again and write the audit trail, marked "api" by base.ApiSourceMixin),
and every error leaves in one format (errors.py) that the OpenAPI schema documents (schema.py).
"""
