"""Twilio's webhooks on each unit's host (tenant URLconf, under hooks/twilio/)."""

from django.urls import path

from notifications.api import webhooks

urlpatterns = [
    path("status/", webhooks.status_callback, name="twilio_status"),
    path("inbound/", webhooks.inbound, name="twilio_inbound"),
]
