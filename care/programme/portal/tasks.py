"""My work (the first page after signing in), the task lists (mine, nobody's, all I can see; by state, kind and
organisation) and a task's page with its assign, snooze and cancel forms."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.programme import access as programme_access
from care.programme.portal.forms import TASK_SCOPES, AssignForm, CancelForm, SnoozeForm, TaskFilterForm
from care.programme.services import tasks as service
from care.registers import access
from carehub.clock import unit_today
from carehub.collation import by_pinyin
from carehub.portal.actions import FormActionView
from carehub.portal.common import page_of

# My work shows the most urgent tasks first and no more than these; the task list has the rest.
MY_WORK_TASKS = 200
UNASSIGNED_TASKS = 20
COMING_TASKS = 5  # shown when nothing is due this week, so that the first screen still says what comes
RELATED = ("member", "member__node", "version", "assignee", "escalated_to")


def by_member(tasks) -> list[dict]:
    """Tasks in their order, gathered under their member: a member's card comes where their most urgent task
    would."""
    groups: dict[int, dict] = {}
    for task in tasks:
        groups.setdefault(task.member_id, {"member": task.member, "tasks": []})["tasks"].append(task)
    return list(groups.values())


@login_required
def my_work(request):
    user, today = request.user, unit_today()
    _monday, sunday = service.this_week(today)
    mine = service.my_work(user, today)
    counts = mine.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(effective_due__lt=today)),
                            today=Count("pk", filter=Q(effective_due=today)))
    tasks = service.with_review_entry(mine, user).select_related(*RELATED)
    can_write = access.can_write(user)
    unassigned = service.unassigned_work(user, today).select_related(*RELATED)
    if not can_write:  # only those who may take a task are shown what nobody has
        unassigned = unassigned.none()
    unassigned_counts = unassigned.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(effective_due__lt=today)))
    unassigned_counts["week"] = unassigned_counts["total"] - unassigned_counts["overdue"]
    coming = [] if counts["total"] else service.coming_work(user, today).select_related(*RELATED)[:COMING_TASKS]
    return render(request, "programme/my_work.html", {
        "groups": by_member(tasks[:MY_WORK_TASKS]), "counts": counts,
        "later": counts["total"] - counts["overdue"] - counts["today"],
        "shown": min(counts["total"], MY_WORK_TASKS), "today": today, "sunday": sunday, "can_write": can_write,
        "unassigned": unassigned[:UNASSIGNED_TASKS], "unassigned_counts": unassigned_counts, "coming": coming})


def _scope_links(request, scope: str) -> list[dict]:
    """The scope choices as links keeping the other filters (and leaving the page number behind)."""
    links = []
    for value, label in TASK_SCOPES:
        query = request.GET.copy()
        query.pop("page", None)
        query["scope"] = value
        links.append({"label": label, "href": f"?{query.urlencode()}", "current": value == scope})
    return links


@login_required
def task_list(request):
    user, today = request.user, unit_today()
    chosen = TaskFilterForm(request.GET, user=user).values()
    scope, state, kind, node = chosen["scope"], chosen["state"], chosen["kind"], chosen["node"]
    tasks = programme_access.visible_tasks(user)
    if scope == "mine":
        tasks = service.mine(tasks, user)
    elif scope == "unassigned":
        tasks = service.unassigned(tasks)
    if node is not None:
        tasks = tasks.filter(member__node__path__startswith=node.path)
    if kind:
        tasks = tasks.filter(kind=kind)
    tasks = service.with_review_entry(service.in_state(tasks, state, today), user).select_related(*RELATED)
    order = (["-done_on", "-pk"] if state in ("done", "cancelled")
             else ["effective_due", by_pinyin("member__name"), "pk"])
    shown = TaskFilterForm({**chosen, "node": node.pk if node else ""}, user=user)  # the values in effect
    return render(request, "programme/tasks.html", {
        "page": page_of(request, tasks.order_by(*order)), "form": shown, "scope": scope, "state": state,
        "scopes": _scope_links(request, scope), "today": today, "can_write": access.can_write(user)})


def _task(request, pk):
    tasks = service.with_review_entry(service.with_effective_due(programme_access.visible_tasks(request.user)),
                                      request.user)
    return get_object_or_404(tasks.select_related(*RELATED, "visit", "talk", "event"), pk=pk)


def _task_page(request, task, snooze_form=None, cancel_form=None, assign_form=None):
    can_write = access.can_write(request.user)
    return render(request, "programme/task.html", {
        "task": task, "today": unit_today(), "can_write": can_write,
        "assign_form": assign_form or AssignForm(member=task.member, initial={"assignee": task.assignee_id}),
        "snooze_form": snooze_form or SnoozeForm(), "cancel_form": cancel_form or CancelForm()})


@login_required
def task_page(request, pk):
    return _task_page(request, _task(request, pk))


class TaskAction(FormActionView):
    """A form on a task's page (staff who may write for the member); an invalid one goes back onto that page."""

    post_only = True

    def get_object(self):
        return _task(self.request, self.kwargs["pk"])

    def check(self, task):
        access.require_write(self.request.user, task.member.node)

    def success_url(self, result, task) -> str:
        return reverse("programme:task", args=[task.pk])


class Assign(TaskAction):
    """From the task's page (any staff who see the member), or "assign to me" on the lists, which come back to
    the list they were on (`next`)."""

    form_class = AssignForm

    def get_form_kwargs(self, task) -> dict:
        return {"member": task.member}

    def act(self, form, task):
        return service.assign(self.request.user, task, **form.cleaned_data)

    def get_success_message(self, task, _task) -> str:
        if task.assignee_id == self.request.user.pk:
            return _("The task is yours now.")
        return _("The task was given to %(name)s.") % {"name": task.assignee.get_full_name()}

    def success_url(self, result, task) -> str:
        back = self.request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={self.request.get_host()},
                                           require_https=self.request.is_secure()):
            return back
        return super().success_url(result, task)

    def render_page(self, form, task):
        return _task_page(self.request, task, assign_form=form)


class Snooze(TaskAction):
    form_class = SnoozeForm
    success_message = gettext_lazy("The task was postponed.")

    def act(self, form, task):
        return service.snooze(self.request.user, task, **form.cleaned_data)

    def render_page(self, form, task):
        return _task_page(self.request, task, snooze_form=form)


class Cancel(TaskAction):
    form_class = CancelForm
    success_message = gettext_lazy("The task was cancelled.")

    def act(self, form, task):
        return service.cancel(self.request.user, task, **form.cleaned_data)

    def render_page(self, form, task):
        return _task_page(self.request, task, cancel_form=form)
