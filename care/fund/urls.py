"""The fund's portal pages under /fund/, and its public disclosure page (no login) under /fund/public/."""

from django.urls import path

from care.fund.portal import applications, disclosure, funds, settings

app_name = "fund"

urlpatterns = [
    path("", funds.fund_list, name="funds"),
    path("new/", funds.fund_form, name="fund_new"),
    path("<int:pk>/", funds.fund_page, name="fund"),
    path("<int:pk>/edit/", funds.fund_form, name="fund_edit"),
    path("<int:pk>/income/", funds.post, {"direction": "in"}, name="income"),
    path("<int:pk>/spending/", funds.post, {"direction": "out"}, name="spending"),
    path("<int:pk>/transfer/", funds.transfer, name="transfer"),
    path("<int:pk>/periods/", funds.period_list, name="periods"),
    path("<int:pk>/disclosure/", disclosure.staff_view, name="disclosure"),
    path("links/<int:pk>/revoke/", disclosure.revoke, name="revoke_link"),
    path("entries/<int:pk>/", funds.entry_page, name="entry"),
    path("entries/<int:pk>/reverse/", funds.reverse, name="reverse"),
    path("entries/<int:pk>/attach/", funds.attach, name="attach"),
    path("files/<int:pk>/", applications.attachment, name="file"),
    path("applications/", applications.inbox, name="applications"),
    path("applications/new/", applications.apply, name="apply"),
    path("applications/<int:pk>/", applications.detail, name="application"),
    path("applications/<int:pk>/evidence/", applications.add_evidence, name="evidence"),
    path("applications/<int:pk>/<slug:name>/", applications.act, name="act"),
    path("settings/", settings.overview, name="settings"),
    path("settings/rules/", settings.save_rule, name="save_rule"),
    path("settings/rules/<int:pk>/delete/", settings.delete_rule, name="delete_rule"),
    path("settings/members/", settings.link_member, name="link_member"),
    path("settings/members/<int:pk>/delete/", settings.unlink_member, name="unlink_member"),
    path("public/<str:token>/", disclosure.public, name="public"),
]
