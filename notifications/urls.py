"""The SMS pages of a unit's portal, under /sms/ (see notifications.portal)."""

from django.urls import path

from notifications.portal import sending, texts, windows

app_name = "sms"

urlpatterns = [
    path("", sending.outbox, name="outbox"),
    path("notices/", sending.notice_list, name="notices"),
    path("notices/new/", sending.compose, name="compose"),
    path("notices/prepare/", sending.prepare, name="prepare"),
    path("notices/send/", sending.send, name="send"),
    path("opt-outs/", sending.opt_outs, name="opt_outs"),
    path("opt-outs/<int:pk>/end/", sending.opt_out_end, name="opt_out_end"),
    path("windows/", windows.window_page, name="windows"),
    path("stats/", sending.stats, name="stats"),
    path("templates/", texts.template_list, name="templates"),
    path("templates/edit/", texts.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", texts.template_delete, name="template_delete"),
    path("templates/preview/", texts.preview, name="preview"),
    path("settings/", texts.settings_page, name="settings"),
    path("sandbox/", texts.sandbox_phones, name="sandbox"),
]
