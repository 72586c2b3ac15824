"""Models of the care fund, one module per concern: funds and their settings, the ledger, applications."""

from .applications import ApplicationStatus, AssistanceApplication, Step, StepAction
from .funds import ClosedPeriod, CostShareRule, DisclosureLink, Fund, MemberAccount, PeriodKind
from .ledger import INCOME_KINDS, MANUAL_SPENDING, SPENDING_KINDS, Attachment, EntryKind, LedgerEntry

__all__ = [
    "INCOME_KINDS", "MANUAL_SPENDING", "SPENDING_KINDS", "ApplicationStatus", "AssistanceApplication", "Attachment",
    "ClosedPeriod", "CostShareRule", "DisclosureLink", "EntryKind", "Fund", "LedgerEntry", "MemberAccount",
    "PeriodKind", "Step", "StepAction",
]
