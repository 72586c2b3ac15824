"""Content-Security-Policy on every response (Django 5.2 has no built-in CSP; 6.0 will).

The policy is one string, settings.CAREHUB_CSP, built in settings from the base domain; empty turns it off.
A view that needs another policy sets the header itself and keeps it.
"""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CAREHUB_CSP

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
