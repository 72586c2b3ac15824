"""The SMS pages of a unit's portal, under /sms/ (see notifications.portal)."""

from django.urls import path

from notifications.portal import contacts, sending, texts, windows

app_name = "sms"

urlpatterns = [
    path("", sending.outbox, name="outbox"),
    path("notices/", sending.notice_list, name="notices"),
    path("notices/new/", sending.compose, name="compose"),
    path("notices/prepare/", sending.prepare, name="prepare"),
    path("notices/send/", sending.SendNotice.as_view(), name="send"),
    path("opt-outs/", sending.OptOuts.as_view(), name="opt_outs"),
    path("opt-outs/<int:pk>/end/", sending.EndOptOut.as_view(), name="opt_out_end"),
    path("windows/", windows.WindowPage.as_view(), name="windows"),
    path("members/<int:pk>/contact-plan/", contacts.ContactPlanView.as_view(), name="contact_plan"),
    path("stats/", sending.stats, name="stats"),
    path("templates/", texts.template_list, name="templates"),
    path("templates/edit/", texts.EditTemplate.as_view(), name="template_edit"),
    path("templates/<int:pk>/delete/", texts.DeleteTemplate.as_view(), name="template_delete"),
    path("templates/preview/", texts.preview, name="preview"),
    path("settings/", texts.SettingsPage.as_view(), name="settings"),
    path("sandbox/", texts.sandbox_phones_page, name="sandbox"),
]
