"""Models of the care fund, one module per concern: funds and their settings, the ledger, applications."""

from care.fund.models.applications import ApplicationStatus, AssistanceApplication, Step, StepAction
from care.fund.models.funds import ClosedPeriod, CostShareRule, DisclosureLink, Fund, MemberAccount, PeriodKind
from care.fund.models.ledger import INCOME_KINDS, MANUAL_SPENDING, SPENDING_KINDS, Attachment, EntryKind, LedgerEntry

__all__ = [
    "INCOME_KINDS", "MANUAL_SPENDING", "SPENDING_KINDS", "ApplicationStatus", "AssistanceApplication", "Attachment",
    "ClosedPeriod", "CostShareRule", "DisclosureLink", "EntryKind", "Fund", "LedgerEntry", "MemberAccount",
    "PeriodKind", "Step", "StepAction",
]
