"""Forms of the programme pages. They collect values; the services validate them with the same rules the API
applies, and their errors are shown next to the fields (carehub.portal.common.show_errors)."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from care.programme import greetings
from care.programme.calendar import OCCASIONS
from care.programme.models import (
    AnniversaryOf,
    Calendar,
    LifeEventKind,
    ProgrammeSettings,
    RuleVersion,
    TaskKind,
    Trigger,
)
from care.programme.services.audience import ANY_HARDSHIP
from care.programme.services.records import TALK_COMPLETES, VISIT_COMPLETES
from care.programme.services.rules import CADENCES
from care.registers import access
from care.registers.filters import OPERATORS, picked_conditions
from care.registers.models import MemberStatus
from care.registers.portal.conditions import ExtraConditions
from care.registers.portal.member_forms import date_field, visible_categories
from carehub.accounts.models import User
from carehub.collation import by_pinyin
from carehub.portal.widgets import NodeSelect
from carehub.uploads import PHOTO, UploadField

BLANK = [("", "—")]


def label(name: str):
    # Lazy: the form is built at import, the label read in each request's language.
    return capfirst(RuleVersion._meta.get_field(name).verbose_name)


def staff_field(label_text, required=True):
    staff = User.objects.filter(is_active=True).order_by(by_pinyin("full_name"), "pk")
    return forms.ModelMultipleChoiceField(label=label_text, required=required, widget=forms.CheckboxSelectMultiple,
                                          queryset=staff)


def number_field(label_text, **kwargs):
    return forms.IntegerField(label=label_text, required=False, **kwargs)


class RuleForm(forms.Form):
    name = forms.CharField(label=label("name"), max_length=100, required=False)
    trigger = forms.ChoiceField(label=label("trigger"), choices=Trigger.choices, widget=forms.RadioSelect)
    occasion = forms.ChoiceField(label=label("occasion"), required=False,
                                 choices=[("", _("A date of my own"))] + [(o.key, o.label) for o in OCCASIONS])
    calendar = forms.ChoiceField(label=label("calendar"), choices=Calendar.choices, required=False)
    month = number_field(label("month"), min_value=1, max_value=12)
    day = number_field(label("day"), min_value=1, max_value=31)
    anniversary_of = forms.ChoiceField(label=label("anniversary_of"), required=False,
                                       choices=BLANK + AnniversaryOf.choices)
    prefer_lunar = forms.BooleanField(label=label("prefer_lunar"), required=False, initial=True)
    round_every = number_field(label("round_every"), min_value=1)
    round_years = forms.CharField(label=label("round_years"), required=False,
                                  help_text=_("Such as “50 60 70”; empty: every year."))
    every_months = forms.TypedChoiceField(label=label("every_months"), required=False, coerce=int, empty_value=None,
                                          choices=BLANK + [(n, n) for n in CADENCES])
    event_kind = forms.ChoiceField(label=label("event_kind"), required=False, choices=BLANK + LifeEventKind.choices)
    task_kind = forms.ChoiceField(label=label("task_kind"), required=False,
                                  choices=[("", _("No task"))] + TaskKind.choices)
    lead_days = number_field(label("lead_days"), min_value=0, initial=0)
    due_days = number_field(label("due_days"), min_value=0, initial=0)
    greeting_template = forms.ChoiceField(label=label("greeting_template"), required=False,
                                          help_text=_("Its text in each language is on the SMS templates page."))
    age_min = number_field(_("Aged at least"))
    age_max = number_field(_("Aged at most"))
    years_min = number_field(_("Member for at least (years)"))
    years_max = number_field(_("Member for at most (years)"))
    statuses = forms.MultipleChoiceField(label=_("Status"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=[c for c in MemberStatus.choices if c[0] != MemberStatus.MOVED_OUT])
    hardship = forms.MultipleChoiceField(label=_("In the hardship ledger"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    node = forms.ModelChoiceField(label=_("Organisation"), required=False, queryset=None,
                                  empty_label=_("All organisations"), widget=NodeSelect)
    uses_smartphone = forms.NullBooleanField(label=_("Uses a smartphone"), required=False,
                                             widget=forms.Select(choices=[("unknown", _("Any")), ("true", _("Yes")),
                                                                          ("false", _("No"))]))

    AUDIENCE = ["age_min", "age_max", "years_min", "years_max", "statuses", "hardship", "node", "uses_smartphone"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = access.visible_nodes(user)
        self.fields["hardship"].choices = [(ANY_HARDSHIP, _("Any category")), *visible_categories(user)]
        offered = greetings.choices()
        chosen = self.initial.get("greeting_template") or ""
        if chosen and chosen not in dict(offered):  # a key the SMS templates no longer list: still named
            offered.append((chosen, greetings.name_of(chosen)))
        self.fields["greeting_template"].choices = [("", _("No greeting"))] + offered
        # The audience's conditions on the unit's own fields: the picker's rows, posted or of the saved version.
        self.conditions = ExtraConditions(self.data if self.is_bound else self.initial.get("extra", {}),
                                          compare_only=True)

    @classmethod
    def initial_for(cls, version: RuleVersion) -> dict:
        initial = {name: getattr(version, name) for name in cls.base_fields if hasattr(version, name)}
        initial["round_years"] = " ".join(str(year) for year in version.round_years)
        initial.update({key: value for key, value in version.audience.items() if key != "extra"})
        initial["extra"] = {f"extra.{item['key']}{item['op']}": item["value"]
                            for item in version.audience.get("extra", [])}
        return initial

    def service_data(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.AUDIENCE}
        audience = {name: self.cleaned_data[name] for name in self.AUDIENCE
                    if self.cleaned_data[name] not in (None, "", [])}
        if audience.get("node"):
            audience["node"] = audience["node"].pk
        if conditions := picked_conditions(self.data):
            audience["extra"] = {condition.key + OPERATORS[condition.op]: condition.value for condition in conditions}
        data["audience"] = audience
        return data


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ProgrammeSettings
        fields = ["horizon_days", "escalate_after_days"]


def _task_field(member, kinds):
    tasks = member.care_tasks.filter(status="open", kind__in=kinds).select_related("version").order_by("due_on")
    return forms.ModelMultipleChoiceField(label=_("Completes these tasks"), required=False, queryset=tasks,
                                          widget=forms.CheckboxSelectMultiple)


class VisitForm(forms.Form):
    visited_on = date_field(_("Date"))
    occasion = forms.CharField(label=_("Occasion"), max_length=100, required=False)
    visitors = staff_field(_("Visitors"), required=False)
    other_visitors = forms.CharField(label=_("Other visitors"), max_length=200, required=False)
    goods = forms.CharField(label=_("Goods given"), max_length=200, required=False,
                            help_text=_("Money given is recorded in the care fund."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photo = UploadField(PHOTO, label=_("Photo"), required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"] = _task_field(member, VISIT_COMPLETES)
        self.fields["tasks"].label_from_instance = task_label


class TalkForm(forms.Form):
    held_on = date_field(_("Date"))
    topic = forms.CharField(label=_("Topic"), max_length=100, required=False)
    participants = staff_field(_("Talked with the member"), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confidential_notes = forms.CharField(
        label=_("Confidential notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff allowed to see sensitive details and the people who held the talk can read them."))

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"] = _task_field(member, TALK_COMPLETES)
        self.fields["tasks"].label_from_instance = task_label


def task_label(task) -> str:
    return f"{task.get_kind_display()} · {task.version.name} · {task.due_on:%Y-%m-%d}"


class LifeEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=LifeEventKind.choices)
    occurred_on = date_field(_("Date"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PairingForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        # Only staff whose scope includes the member can look after them (and see their tasks).
        staff = (User.objects.filter(is_active=True).select_related("scope__node")
                 .order_by(by_pinyin("full_name"), "pk"))
        allowed = [user.pk for user in staff if (path := access.root_path(user)) is not None
                   and member.node.path.startswith(path)]
        self.fields["partner"].queryset = User.objects.filter(pk__in=allowed).order_by(by_pinyin("full_name"), "pk")


class SnoozeForm(forms.Form):
    until = date_field(_("Postpone until"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        """The name, and the organisation the person works for, to tell namesakes apart."""
        node = getattr(getattr(user, "scope", None), "node", None)
        return f"{user.get_full_name()} · {node.name}" if node else user.get_full_name()


class AssignForm(forms.Form):
    """Whom to give a task: the staff who see its member (care.registers.access.staff_seeing), by pinyin."""

    assignee = StaffChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (access.staff_seeing(member.node).select_related("scope__node")
                                            .order_by(by_pinyin("full_name"), "pk"))


TASK_SCOPES = [("mine", _("Mine")), ("unassigned", _("Not assigned")), ("unit", _("Everything I can see"))]
TASK_STATES = [("today", _("Due today")), ("week", _("Due this week")), ("due", _("Due now")),
               ("overdue", _("Overdue")), ("upcoming", _("Upcoming")), ("done", _("Done")),
               ("cancelled", _("Cancelled"))]


class TaskFilterForm(forms.Form):
    """The task lists' filters (a GET form): whose tasks, in which state, of which kind, in which organisation's
    subtree. A value that is not one of the choices is ignored rather than refused (see `values`)."""

    DEFAULTS = {"scope": "mine", "state": "due", "kind": "", "node": None}

    scope = forms.ChoiceField(choices=TASK_SCOPES, required=False, widget=forms.HiddenInput)
    state = forms.ChoiceField(label=_("State"), choices=TASK_STATES, required=False)
    kind = forms.ChoiceField(label=_("Task"), choices=[("", _("All tasks")), *TaskKind.choices], required=False)
    node = forms.ModelChoiceField(label=_("Organisation"), queryset=None, required=False,
                                  empty_label=_("All organisations"), widget=NodeSelect)

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["node"].queryset = access.visible_nodes(user)
        for name in ("state", "kind", "node"):  # a row of selects without visible labels: named for screen readers
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label

    def values(self) -> dict:
        self.is_valid()
        return {**self.DEFAULTS, **{name: value for name, value in self.cleaned_data.items() if value}}


class CommendationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    year = forms.IntegerField(label=_("Year"), required=False)
    awarded_on = date_field(_("Awarded on"), help_text=_("Empty: today."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, nodes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if nodes is not None:  # on the commendations page: awards to organisations
            self.fields["node"] = forms.ModelChoiceField(label=_("Organisation"), queryset=nodes, widget=NodeSelect)
            self.order_fields(["node"])
