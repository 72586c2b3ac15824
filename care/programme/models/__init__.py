"""Models of the care programme: rules and their versions, the items generated from them (care tasks and
greetings), and the records of care work (visits, talks, life events, pairings, commendations)."""

from care.programme.models.records import Commendation, LifeEvent, LifeEventKind, Pairing, Talk, Visit, VisitPhoto
from care.programme.models.rules import AnniversaryOf, Calendar, ProgrammeSettings, Rule, RuleVersion, TaskKind, Trigger
from care.programme.models.work import CareTask, Greeting, GreetingStatus, TaskStatus

__all__ = [
    "AnniversaryOf", "Calendar", "CareTask", "Commendation", "Greeting", "GreetingStatus", "LifeEvent",
    "LifeEventKind", "Pairing", "ProgrammeSettings", "Rule", "RuleVersion", "Talk", "TaskKind", "TaskStatus",
    "Trigger", "Visit", "VisitPhoto",
]
