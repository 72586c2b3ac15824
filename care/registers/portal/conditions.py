"""The picker of conditions on the unit's own (extra) fields: rows of field (by its label), an operator in words
that fits the field's kind, and a value input of that kind (a choice list, a date, a number or a text). Nobody
types `rank__gte=3`.

The rows travel as `cond<n>-field`, `-op`, `-value` (and `-was`, the field the value was given for); the member
filter turns complete rows into its `extra.<key>...` parameters (care.registers.filters.with_picked_conditions),
and a link in that machine form is shown here as rows. The member list, SMS notices and a rule's audience use
it; choosing a field or an operator redraws the picker (HTMX, `portal:conditions`) with the inputs that fit."""

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from care.registers.filters import CONDITION_FIELD, MAX_CONDITIONS, NO_VALUE, OPERATORS, Condition, conditions_of
from care.registers.models import ExtraField, ExtraFieldKind

EMPTY = ("empty", _("is empty"))
FILLED = ("filled", _("is filled in"))
OPERATOR_WORDS = {
    ExtraFieldKind.TEXT: [("eq", _("is")), ("contains", _("contains")), EMPTY, FILLED],
    ExtraFieldKind.NUMBER: [("eq", _("equals")), ("gte", _("is at least")), ("lte", _("is at most")), EMPTY, FILLED],
    ExtraFieldKind.DATE: [("eq", _("is on")), ("gte", _("is on or after")),
                          ("lte", _("is on or before")), EMPTY, FILLED],
    ExtraFieldKind.CHOICE: [("eq", _("is")), EMPTY, FILLED],
}
# A rule's audience is computed in SQL that knows equality and bounds only (care.programme.services.audience).
COMPARISONS = ("eq", "gte", "lte")
PICKER_ID = "extra-conditions"


def operators_for(kind: str, allowed=tuple(OPERATORS)) -> list[tuple[str, str]]:
    return [(op, words) for op, words in OPERATOR_WORDS[kind] if op in allowed]


@dataclass
class Row:
    number: int
    key: str = ""
    op: str = ""
    value: str = ""


class ConditionForm(forms.Form):
    """One row: the field, then (once a field is chosen) the operator and a value input of the field's kind."""

    def __init__(self, row: Row, *, fields: dict, allowed, refresh_url: str):
        super().__init__(prefix=f"cond{row.number}", initial={"field": row.key, "op": row.op, "value": row.value,
                                                              "was": row.key})
        # A request of its own: the member list's form replaces its own requests (hx-sync), which would cancel it.
        redraw = {"hx-get": refresh_url, "hx-include": "closest form", "hx-target": f"#{PICKER_ID}",
                  "hx-swap": "outerHTML", "hx-sync": "this:replace"}
        self.fields["field"] = forms.ChoiceField(
            label=_("Field"), required=False, widget=forms.Select(attrs=redraw),
            choices=[("", _("Choose a field"))] + [(field.key, field.label) for field in fields.values()])
        field = fields.get(row.key)
        self.has_field = field is not None
        if field is None:
            return
        self.fields["op"] = forms.ChoiceField(label=_("Condition"), required=False, widget=forms.Select(attrs=redraw),
                                              choices=operators_for(field.kind, allowed))
        if row.op not in NO_VALUE:
            self.fields["value"] = forms.CharField(label=_("Value"), required=False, widget=_value_widget(field))
        self.fields["was"] = forms.CharField(required=False, widget=forms.HiddenInput)


def _value_widget(field: ExtraField) -> forms.Widget:
    if field.kind == ExtraFieldKind.CHOICE:
        return forms.Select(choices=[("", "—")] + [(choice, choice) for choice in field.choices])
    if field.kind == ExtraFieldKind.DATE:
        return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if field.kind == ExtraFieldKind.NUMBER:
        return forms.NumberInput(attrs={"step": "any"})
    return forms.TextInput()


class ExtraConditions:
    """The picker's rows for `params` (a query string or form post): the rows given, or the `extra.<key>...`
    parameters of a link as rows, then one empty row to add a condition. `errors` are the member filter's
    ({"extra.rank__gte": [...]}), shown on the row they concern."""

    def __init__(self, params, *, extra_fields=None, compare_only=False, errors=None):
        self.fields = {field.key: field for field in (ExtraField.objects.all() if extra_fields is None
                                                      else extra_fields)}
        self.allowed = COMPARISONS if compare_only else tuple(OPERATORS)
        refresh_url = reverse("portal:conditions") + ("?compare=1" if compare_only else "")
        rows = self._given(params) or [Row(number, c.key, c.op, c.value)
                                       for number, c in enumerate(conditions_of(params), start=1)]
        if len(rows) < MAX_CONDITIONS and all(row.key for row in rows):
            rows.append(Row(max((row.number for row in rows), default=0) + 1))
        self.forms = [ConditionForm(row, fields=self.fields, allowed=self.allowed, refresh_url=refresh_url)
                      for row in rows]
        for form, row in zip(self.forms, rows, strict=True):
            name = Condition(row.key, row.op, row.value).param[0] if row.key and row.op else ""
            form.condition_errors = (errors or {}).get(name, [])

    def _given(self, params) -> list[Row]:
        """The rows posted, each made to fit its field: a value typed for another field is dropped, an operator
        that does not fit the field becomes the field's first; rows without a field are dropped."""
        numbers = sorted(int(match[1]) for name in params if (match := CONDITION_FIELD.match(name)))
        rows = []
        for number in numbers[:MAX_CONDITIONS]:
            given = {part: str(params.get(f"cond{number}-{part}") or "").strip()
                     for part in ("field", "op", "value", "was")}
            field = self.fields.get(given["field"])
            if field is None:
                continue
            ops = [op for op, _words in operators_for(field.kind, self.allowed)]
            op = given["op"] if given["op"] in ops else ops[0]
            value = given["value"] if given["was"] == field.key and op not in NO_VALUE else ""
            rows.append(Row(number, field.key, op, value))
        return rows

    def __bool__(self) -> bool:
        return bool(self.fields)


@login_required
def redraw(request):
    """HTMX: the picker again after a field or an operator was chosen, with the inputs that fit it. `?compare`
    offers only equality and bounds (a rule's audience)."""
    return render(request, "registers/members/_conditions.html", {
        "conditions": ExtraConditions(request.GET, compare_only="compare" in request.GET)})
