"""Assistance applications: draft -> submitted -> verified by the member's branch -> approved by the deciding
fund's organisation with an amount (or rejected with a reason) -> paid (services.payments).

Every transition locks the application, checks who may take it (care.fund.access: segregation of duties
included), and records a Step and an audit event. An approved amount above the deciding fund's threshold waits
for a second approver, who must be someone else.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from care.fund import access
from care.fund.actions import (
    APPLICATION_CREATED,
    APPLICATION_EVIDENCE_ADDED,
    APPLICATION_SENSITIVE_VIEWED,
    APPLICATION_UPDATED,
)
from care.fund.models import ApplicationStatus, AssistanceApplication, Attachment, Fund, Step, StepAction
from care.fund.money import parse_amount
from care.fund.services.common import text
from care.fund.services.payments import deciding_fund, line_funds
from care.fund.services.steps import move
from care.registers import access as register_access
from care.registers.models import SENSITIVE_CATEGORIES, HardshipCategory, Member
from carehub.audit.services import changing, created, record
from carehub.uploads import DOCUMENT, check_upload

S = ApplicationStatus
FIELDS = ["member", "fund", "category", "reason", "amount_requested", "status"]
DECIDING = (S.VERIFIED, S.SECOND_APPROVAL)
OPEN = (S.DRAFT, S.SUBMITTED, S.VERIFIED, S.SECOND_APPROVAL, S.APPROVED)


def clean(actor, member: Member, data: dict, *, partial: bool = False) -> dict:
    cleaned, errors = {}, {}
    if "category" in data or not partial:
        cleaned["category"] = data.get("category")
        if cleaned["category"] not in HardshipCategory.values:
            errors["category"] = _("Choose a category.")
        elif (cleaned["category"] in SENSITIVE_CATEGORIES and not register_access.can_see_sensitive(actor)
              and not access.is_own(actor, member)):
            errors["category"] = _("You may not record or see sensitive categories.")
    if "reason" in data or not partial:
        try:
            cleaned["reason"] = text(data, "reason", 4000, required=_("Give the reason."))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "amount_requested" in data or not partial:
        try:
            cleaned["amount_requested"] = parse_amount(data.get("amount_requested"), "amount_requested")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_application(actor, member: Member, *, category, reason, amount_requested, fund: Fund | None = None,
                       submit: bool = False, note: str = "", evidence=None) -> AssistanceApplication:
    """A draft (or, with `submit`, a submitted application) for `member`, addressed to `fund` (default: the
    deciding fund of the member's line, see payments.deciding_fund), with an optional evidence file."""
    access.require(access.may_apply(actor, member), _("You may not apply for this member."))
    cleaned = clean(actor, member, {"category": category, "reason": reason, "amount_requested": amount_requested})
    if fund is None:
        fund = deciding_fund(member, cleaned["category"])
    elif fund.pk not in {line.pk for line in line_funds(member)}:
        raise ValidationError({"fund": _("Choose a fund of the member's organisation or one above it.")})
    with transaction.atomic():
        application = AssistanceApplication.objects.create(member=member, fund=fund, created_by=actor, **cleaned)
        Step.objects.create(application=application, action=StepAction.CREATED, to_status=S.DRAFT, actor=actor,
                            amount=application.amount_requested)
        created(actor, APPLICATION_CREATED, application, FIELDS, object_type="application")
        if evidence is not None:
            attach_evidence(actor, application, evidence)
        if submit:
            move(actor, application, StepAction.SUBMITTED, S.SUBMITTED, note=note.strip(), submitted_by=actor)
    return application


def _locked(application: AssistanceApplication, expected: tuple) -> AssistanceApplication:
    locked = (AssistanceApplication.objects.select_for_update(of=("self",))
              .select_related("member__node", "fund__node").get(pk=application.pk))
    _require_status(locked, expected)
    return locked


def _require_status(locked: AssistanceApplication, expected: tuple) -> None:
    if locked.status not in expected:
        raise ValidationError(_("This application is “%(status)s”; that step is not possible now.")
                              % {"status": locked.get_status_display()})


def update_draft(actor, application: AssistanceApplication, **data) -> AssistanceApplication:
    access.require(access.may_apply(actor, application.member), _("You may not change this application."))
    cleaned = clean(actor, application.member, data, partial=True)
    with changing(actor, APPLICATION_UPDATED, application, FIELDS, object_type="application") as change:
        _require_status(change.instance, (S.DRAFT,))
        for name, value in cleaned.items():
            setattr(change.instance, name, value)
        change.instance.save()
    return change.instance


def submit(actor, application: AssistanceApplication, note: str = "") -> AssistanceApplication:
    access.require(access.may_apply(actor, application.member), _("You may not submit this application."))
    with transaction.atomic():
        application = _locked(application, (S.DRAFT,))
        move(actor, application, StepAction.SUBMITTED, S.SUBMITTED, note=note.strip(), submitted_by=actor)
    return application


def verify(actor, application: AssistanceApplication, note: str = "") -> AssistanceApplication:
    """The member's branch has checked the facts."""
    access.require(access.may_verify(actor, application),
                   _("Only the member's branch (its secretaries and the unit's admins) verifies, and never for "
                     "themselves."))
    with transaction.atomic():
        application = _locked(application, (S.SUBMITTED,))
        move(actor, application, StepAction.VERIFIED, S.VERIFIED, note=note.strip())
    return application


def _require_decider(actor, application) -> None:
    access.require(access.may_decide(actor, application), access.conflict(actor, application) or _(
        "Only the secretaries of the organisation keeping “%(fund)s” and the unit's admins decide on this "
        "application.") % {"fund": application.fund.name})


def approve(actor, application: AssistanceApplication, *, amount=None, note: str = "") -> AssistanceApplication:
    """Approve with an amount; above the fund's threshold a second, different approver confirms it."""
    _require_decider(actor, application)
    with transaction.atomic():
        application = _locked(application, DECIDING)
        if application.status == S.SECOND_APPROVAL:
            if actor.pk == application.approved_by_id:
                raise ValidationError(_("The second approval must come from someone else."))
            if amount not in (None, "") and parse_amount(amount) != application.amount_approved:
                raise ValidationError({"amount": _("A second approver confirms the amount as approved, or rejects.")})
            move(actor, application, StepAction.SECOND_APPROVED, S.APPROVED, note=note.strip(),
                 amount=application.amount_approved)
            return application
        if amount in (None, ""):
            raise ValidationError({"amount": _("Give the approved amount.")})
        amount = parse_amount(amount)
        threshold = application.fund.second_approval_above
        status = S.SECOND_APPROVAL if threshold is not None and amount > threshold else S.APPROVED
        move(actor, application, StepAction.APPROVED, status, note=note.strip(), amount=amount,
             amount_approved=amount, approved_by=actor)
    return application


def reject(actor, application: AssistanceApplication, *, reason: str) -> AssistanceApplication:
    """Rejected with a reason: by the branch when the facts do not hold, or by those who decide."""
    if application.status == S.SUBMITTED:
        access.require(access.may_verify(actor, application), _("You may not reject this application."))
    else:
        _require_decider(actor, application)
    reason = text({"reason": reason}, "reason", 2000, required=_("Give the reason for the rejection."))
    with transaction.atomic():
        application = _locked(application, (S.SUBMITTED, *DECIDING))
        move(actor, application, StepAction.REJECTED, S.REJECTED, note=reason, rejection_reason=reason)
    return application


def require_may_attach(actor, application: AssistanceApplication) -> None:
    allowed = access.may_apply(actor, application.member) or access.may_verify(actor, application)
    access.require(allowed, _("You may not add evidence to this application."))


def attach_evidence(actor, application: AssistanceApplication, upload, description: str = "") -> Attachment:
    require_may_attach(actor, application)
    check_upload(upload, DOCUMENT)
    if application.status not in OPEN:
        raise ValidationError(_("This application is closed."))
    with transaction.atomic():
        attachment = Attachment.objects.create(application=application, file=upload, uploaded_by=actor,
                                               description=(description or "").strip()[:200])
        record(actor, APPLICATION_EVIDENCE_ADDED, application, {"evidence": [None, attachment.file.name]},
               object_type="application")
    return attachment


def may_see_details(actor, application: AssistanceApplication) -> bool:
    """Reason, notes and evidence of an application of a sensitive category are for the sensitive permission."""
    return access.sight_of(actor).details(application)


def view_application(actor, application: AssistanceApplication) -> bool:
    """Whether the actor sees the details; opening a sensitive application's details is recorded."""
    shown = may_see_details(actor, application)
    if shown and application.is_sensitive:
        record(actor, APPLICATION_SENSITIVE_VIEWED, application, object_type="application")
    return shown


def allowed_actions(actor, application: AssistanceApplication) -> list[str]:
    """The workflow actions the actor may take now (the services still check them when taken)."""
    status, actions = application.status, []
    if status == S.DRAFT and access.may_apply(actor, application.member):
        actions += ["edit", "submit"]
    if status == S.SUBMITTED and access.may_verify(actor, application):
        actions += ["verify", "reject"]
    if status in DECIDING and access.may_decide(actor, application):
        if status == S.VERIFIED or actor.pk != application.approved_by_id:
            actions.append("approve")
        actions.append("reject")
    if (status == S.APPROVED and access.may_keep_books(actor, application.fund)
            and not access.is_own(actor, application.member)):
        actions.append("pay")
    if status in OPEN and (access.may_apply(actor, application.member) or access.may_verify(actor, application)):
        actions.append("attach")
    return actions
