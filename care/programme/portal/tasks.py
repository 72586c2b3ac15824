"""Task lists (mine, an organisation's, the unit's; due, overdue, upcoming, done) and a task's page with its
snooze and cancel forms."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from care.programme import access as programme_access
from care.programme.models import TaskKind
from care.programme.portal.forms import CancelForm, SnoozeForm
from care.programme.services import tasks as service
from care.registers import access
from carehub.clock import unit_today
from carehub.portal.actions import FormActionView
from carehub.portal.common import page_of

SCOPES = ("mine", "node", "unit")
STATES = ("due", "overdue", "upcoming", "done", "cancelled")


@login_required
def task_list(request):
    scope = request.GET.get("scope") if request.GET.get("scope") in SCOPES else "mine"
    state = request.GET.get("state") if request.GET.get("state") in STATES else "due"
    today = unit_today()
    tasks = programme_access.visible_tasks(request.user)
    nodes = access.visible_nodes(request.user)
    node = nodes.filter(pk=request.GET.get("node")).first() if request.GET.get("node", "").isdigit() else None
    if scope == "mine":
        tasks = service.mine(tasks, request.user)
    elif scope == "node" and node is not None:
        tasks = tasks.filter(member__node__path__startswith=node.path)
    kind = request.GET.get("kind") if request.GET.get("kind") in TaskKind.values else ""
    if kind:
        tasks = tasks.filter(kind=kind)
    tasks = service.in_state(tasks, state, today).select_related("member", "member__node", "version", "assignee",
                                                                  "escalated_to")
    order = ["-done_on", "-pk"] if state in ("done", "cancelled") else ["effective_due", "member__name", "pk"]
    return render(request, "programme/tasks.html", {
        "page": page_of(request, tasks.order_by(*order)), "scope": scope, "state": state, "kind": kind,
        "node": node, "nodes": nodes, "kinds": TaskKind.choices, "today": today, "states": STATES,
        "can_write": access.can_write(request.user)})


def _task(request, pk):
    tasks = service.with_effective_due(programme_access.visible_tasks(request.user))
    return get_object_or_404(tasks.select_related("member", "member__node", "version", "assignee", "escalated_to",
                                                  "visit", "talk", "event"), pk=pk)


def _task_page(request, task, snooze_form=None, cancel_form=None):
    return render(request, "programme/task.html", {
        "task": task, "today": unit_today(), "can_write": access.can_write(request.user),
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
