"""Moving an application from one status to the next: the change, its Step (actor, time, note, amount) and the
audit record, in the caller's transaction."""

from care.fund import actions
from care.fund.models import ApplicationStatus, AssistanceApplication, Step, StepAction
from carehub.audit.services import record

# The audit action of each step (a Step keeps its own short name; the trail uses the app's vocabulary).
AUDITED_AS = {
    StepAction.SUBMITTED: actions.APPLICATION_SUBMITTED,
    StepAction.VERIFIED: actions.APPLICATION_VERIFIED,
    StepAction.APPROVED: actions.APPLICATION_APPROVED,
    StepAction.SECOND_APPROVED: actions.APPLICATION_SECOND_APPROVED,
    StepAction.REJECTED: actions.APPLICATION_REJECTED,
    StepAction.PAID: actions.APPLICATION_PAID,
    StepAction.PAYMENT_REVERSED: actions.APPLICATION_PAYMENT_REVERSED,
}


def move(actor, application: AssistanceApplication, action: str, to_status: str, *, note: str = "", amount=None,
         **changes) -> Step:
    """Set the status (and any other `changes`) of a row the caller has locked, and record the step."""
    before = application.status
    application.status = to_status
    for name, value in changes.items():
        setattr(application, name, value)
    application.save()
    step = Step.objects.create(application=application, action=action, from_status=before, to_status=to_status,
                               amount=amount, note=note, actor=actor)
    audited = {"status": [before, to_status]}
    if amount is not None:
        audited["amount"] = [None, str(amount)]
    record(actor, AUDITED_AS[action], application, audited, object_type="application")
    return step


def payment_reversed(actor, application: AssistanceApplication, note: str) -> Step:
    """The payment's entries were reversed (services.ledger.reverse): the application is approved, unpaid."""
    application = AssistanceApplication.objects.select_for_update().get(pk=application.pk)
    return move(actor, application, StepAction.PAYMENT_REVERSED, ApplicationStatus.APPROVED, note=note,
                amount_paid=None, paid_on=None)
