"""The providers' webhooks on each unit's host (tenant URLconf, under hooks/): Twilio's signed callbacks, and
Alibaba Cloud's pushes to URLs carrying the unit's push secret."""

from django.urls import path

from notifications.api import webhooks

urlpatterns = [
    path("twilio/status/", webhooks.status_callback, name="twilio_status"),
    path("twilio/inbound/", webhooks.inbound, name="twilio_inbound"),
    path("twilio/voice/", webhooks.voice_answer, name="twilio_voice"),
    path("twilio/voice/gather/", webhooks.voice_gather, name="twilio_voice_gather"),
    path("twilio/voice/status/", webhooks.voice_status, name="twilio_voice_status"),
    path("aliyun/<str:secret>/report/", webhooks.aliyun_report, name="aliyun_report"),
    path("aliyun/<str:secret>/reply/", webhooks.aliyun_reply, name="aliyun_reply"),
]
