"""The register pages of a unit's portal, under /registers/."""

from django.urls import path
from django.views.generic import RedirectView

from care.registers.portal import audit, conditions, hardship, members, settings, tree

app_name = "portal"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:member_list"), name="index"),
    path("tree/", tree.tree, name="tree"),
    path("tree/add/", tree.AddNode.as_view(), name="tree_add"),
    path("tree/<int:parent_pk>/add/", tree.AddNode.as_view(), name="tree_add_below"),
    path("tree/<int:pk>/", tree.NodePage.as_view(), name="tree_node"),
    path("tree/<int:pk>/move/", tree.MoveNode.as_view(), name="tree_move"),
    path("tree/<int:pk>/delete/", tree.DeleteNode.as_view(), name="tree_delete"),
    path("members/", members.member_list, name="member_list"),
    path("members/new/", members.CreateMember.as_view(), name="member_new"),
    path("members/validate/", members.validate, name="member_validate"),
    path("members/conditions/", conditions.redraw, name="conditions"),
    path("members/<int:pk>/", members.detail, name="member_detail"),
    path("members/<int:pk>/edit/", members.EditMember.as_view(), name="member_edit"),
    path("members/<int:pk>/validate/", members.validate, name="member_validate"),
    path("members/<int:pk>/status/", members.ChangeStatus.as_view(), name="member_status"),
    path("members/<int:pk>/transfer/", members.TransferMember.as_view(), name="member_transfer"),
    path("members/<int:member_pk>/hardship/new/", hardship.OpenEntry.as_view(), name="hardship_open"),
    path("hardship/", hardship.ledger, name="hardship_list"),
    path("hardship/due/", hardship.due, name="review_due"),
    path("hardship/<int:pk>/", hardship.entry_page, name="hardship_entry"),
    path("hardship/<int:pk>/review/", hardship.ReviewEntry.as_view(), name="hardship_review"),
    path("hardship/<int:pk>/evidence/", hardship.UploadEvidence.as_view(), name="hardship_evidence_upload"),
    path("hardship/evidence/<int:pk>/", hardship.evidence_file, name="hardship_evidence"),
    path("audit/", audit.trail, name="audit"),
    path("settings/", settings.overview, name="settings"),
    path("settings/fields/new/", settings.EditExtraField.as_view(), name="settings_field_new"),
    path("settings/fields/<int:pk>/", settings.EditExtraField.as_view(), name="settings_field"),
    path("settings/staff/invite/", settings.invite, name="settings_invite"),
    path("settings/staff/<int:pk>/", settings.EditStaff.as_view(), name="settings_staff"),
]
