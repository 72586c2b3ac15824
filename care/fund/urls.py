"""The fund's portal pages under /fund/, and its public disclosure page (no login) under /fund/public/."""

from django.urls import path

from care.fund.portal import applications, disclosure, funds, settings

app_name = "fund"

urlpatterns = [
    path("", funds.fund_list, name="funds"),
    path("new/", funds.EditFund.as_view(), name="fund_new"),
    path("<int:pk>/", funds.fund_page, name="fund"),
    path("<int:pk>/edit/", funds.EditFund.as_view(), name="fund_edit"),
    path("<int:pk>/income/", funds.PostEntry.as_view(), {"direction": "in"}, name="income"),
    path("<int:pk>/spending/", funds.PostEntry.as_view(), {"direction": "out"}, name="spending"),
    path("<int:pk>/transfer/", funds.Transfer.as_view(), name="transfer"),
    path("<int:pk>/periods/", funds.Periods.as_view(), name="periods"),
    path("<int:pk>/disclosure/", disclosure.StaffView.as_view(), name="disclosure"),
    path("links/<int:pk>/revoke/", disclosure.revoke, name="revoke_link"),
    path("entries/<int:pk>/", funds.entry_page, name="entry"),
    path("entries/<int:pk>/reverse/", funds.ReverseEntry.as_view(), name="reverse"),
    path("entries/<int:pk>/attach/", funds.AttachToEntry.as_view(), name="attach"),
    path("files/<int:pk>/", applications.attachment, name="file"),
    path("applications/", applications.inbox, name="applications"),
    path("applications/new/", applications.Apply.as_view(), name="apply"),
    path("applications/<int:pk>/", applications.detail, name="application"),
    path("applications/<int:pk>/evidence/", applications.AddEvidence.as_view(), name="evidence"),
    path("applications/<int:pk>/<slug:name>/", applications.TakeStep.as_view(), name="act"),
    path("settings/", settings.overview, name="settings"),
    path("settings/rules/", settings.SaveRule.as_view(), name="save_rule"),
    path("settings/rules/<int:pk>/delete/", settings.delete_rule, name="delete_rule"),
    path("settings/members/", settings.LinkMember.as_view(), name="link_member"),
    path("settings/members/<int:pk>/delete/", settings.unlink_member, name="unlink_member"),
    path("public/<str:token>/", disclosure.public, name="public"),
]
