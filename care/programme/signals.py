"""What the care programme tells the layers above it. The programme plans tasks and greetings but sends no SMS:
the notifications app listens here (its AppConfig.ready connects the receivers) and does the sending.

Both are sent inside the caller's transaction and their receivers run at once, in it: what they queue commits
or rolls back with the change that asked for it.
"""

from django.dispatch import Signal

# Care tasks were created or reassigned and their assignees should hear of them now rather than in the daily
# digest (life events, a task given to someone by hand): sender=CareTask, tasks=<CareTask queryset>. The
# sender may name tasks announced before: receivers tell an assignee of a task once.
tasks_assigned = Signal()

# The daily run has planned today's items: sender=Greeting, actor (None for the system), today (the unit's date).
greetings_due = Signal()
