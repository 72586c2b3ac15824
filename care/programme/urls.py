"""The care programme pages of a unit's portal, under /programme/."""

from django.urls import path

from care.programme.portal import records, rules, tasks

app_name = "programme"

urlpatterns = [
    path("", tasks.task_list, name="tasks"),
    path("tasks/<int:pk>/", tasks.task_page, name="task"),
    path("tasks/<int:pk>/snooze/", tasks.snooze, name="task_snooze"),
    path("tasks/<int:pk>/cancel/", tasks.cancel, name="task_cancel"),
    path("rules/", rules.rule_list, name="rules"),
    path("rules/new/", rules.rule_new, name="rule_new"),
    path("rules/preview/", rules.rule_preview, name="rule_preview"),
    path("rules/<int:pk>/", rules.rule_page, name="rule"),
    path("rules/<int:pk>/active/", rules.rule_active, name="rule_active"),
    path("settings/", rules.settings, name="settings"),
    path("run/", rules.run_now, name="run"),
    path("calendar/", rules.occasion_calendar, name="calendar"),
    path("members/<int:member_pk>/visit/", records.visit_new, name="visit_new"),
    path("members/<int:member_pk>/talk/", records.talk_new, name="talk_new"),
    path("members/<int:member_pk>/event/", records.event_new, name="event_new"),
    path("members/<int:member_pk>/commend/", records.commend, name="commend"),
    path("members/<int:member_pk>/pairing/", records.member_pairing, name="pairing"),
    path("visits/<int:pk>/", records.visit_page, name="visit"),
    path("photos/<int:pk>/", records.photo_file, name="photo"),
    path("talks/<int:pk>/", records.talk_page, name="talk"),
    path("coverage/", records.coverage_page, name="coverage"),
    path("commendations/", records.commendation_list, name="commendations"),
    path("commendations/new/", records.commend_node, name="commend_node"),
]
