"""The care programme pages of a unit's portal, under /programme/."""

from django.urls import path

from care.programme.portal import field, records, rules, tasks

app_name = "programme"

urlpatterns = [
    path("", tasks.task_list, name="tasks"),
    path("my-work/", tasks.my_work, name="my_work"),
    path("field/", field.field_page, name="field"),
    path("tasks/<int:pk>/", tasks.task_page, name="task"),
    path("tasks/<int:pk>/assign/", tasks.Assign.as_view(), name="task_assign"),
    path("tasks/<int:pk>/snooze/", tasks.Snooze.as_view(), name="task_snooze"),
    path("tasks/<int:pk>/cancel/", tasks.Cancel.as_view(), name="task_cancel"),
    path("rules/", rules.rule_list, name="rules"),
    path("rules/new/", rules.NewRule.as_view(), name="rule_new"),
    path("rules/preview/", rules.rule_preview, name="rule_preview"),
    path("rules/reviewed/", rules.rules_reviewed, name="rules_reviewed"),
    path("rules/<int:pk>/", rules.RulePage.as_view(), name="rule"),
    path("rules/<int:pk>/active/", rules.rule_active, name="rule_active"),
    path("settings/", rules.settings, name="settings"),
    path("run/", rules.run_now, name="run"),
    path("calendar/", rules.occasion_calendar, name="calendar"),
    path("members/<int:member_pk>/visit/", records.NewVisit.as_view(), name="visit_new"),
    path("members/<int:member_pk>/talk/", records.NewTalk.as_view(), name="talk_new"),
    path("members/<int:member_pk>/event/", records.NewLifeEvent.as_view(), name="event_new"),
    path("members/<int:member_pk>/commend/", records.Commend.as_view(), name="commend"),
    path("members/<int:member_pk>/pairing/", records.MemberPairing.as_view(), name="pairing"),
    path("visits/<int:pk>/", records.visit_page, name="visit"),
    path("photos/<int:pk>/", records.photo_file, name="photo"),
    path("talks/<int:pk>/", records.talk_page, name="talk"),
    path("coverage/", records.coverage_page, name="coverage"),
    path("commendations/", records.commendation_list, name="commendations"),
    path("commendations/new/", records.CommendNode.as_view(), name="commend_node"),
]
