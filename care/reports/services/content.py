"""What a report is made of, whatever its kind: sections holding key figures, charts and tables. The PDF template
and the .xlsx export both walk this structure, so a table printed is exactly the table exported.

Cells hold raw values (Decimal, int, date, str); columns say how to show them."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.formats import number_format
from django.utils.safestring import SafeString

from care.fund.money import format_amount
from care.registers.models import Node
from carehub.clock import unit_today

TEXT, NUMBER, MONEY, DATE, PERCENT = "text", "number", "money", "date", "percent"
NUMERIC = {NUMBER, MONEY, PERCENT}


def shown(value, kind: str) -> str:
    """A cell as printed: ¥1,234.50, 1,234, 12.5%, 2026-03-01."""
    if value is None or value == "":
        return ""
    if kind == MONEY:
        return format_amount(value)
    if kind == PERCENT:
        return f"{value}%"
    if kind == NUMBER:
        return number_format(value, force_grouping=True)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@dataclass
class Column:
    label: str
    kind: str = TEXT
    width: int = 0  # percent of the table; when every column has one, the table is laid out fixed (much faster)


@dataclass
class Table:
    key: str  # the anchor in the PDF and the name of the sheet in the workbook
    title: str
    columns: list[Column]
    rows: list[list]
    total: list | None = None  # a last row in bold, same columns
    empty: str = ""  # said instead of an empty table

    @property
    def fixed(self) -> bool:
        return all(column.width for column in self.columns)

    def printed(self, rows=None) -> list[list[tuple[str, bool]]]:
        """Rows as (text, numeric) pairs, formatted here in one pass: far cheaper than a template filter per cell
        on a ledger of thousands of lines."""
        kinds = [(column.kind, column.kind in NUMERIC) for column in self.columns]
        return [[(shown(value, kind), numeric) for value, (kind, numeric) in zip(row, kinds, strict=True)]
                for row in (self.rows if rows is None else rows)]

    def printed_total(self):
        return self.printed([self.total])[0] if self.total else None


@dataclass
class Section:
    title: str
    figures: list[tuple[str, object, str]] = field(default_factory=list)  # (label, value, column kind)
    charts: list[SafeString] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    title: str
    sections: list[Section]
    landscape: bool = False
    # The headline numbers, raw: the API shows them, tests compare them with the registers and ledger.
    totals: dict = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]


@dataclass(frozen=True)
class Scope:
    """What a report covers: an organisation's subtree (None: the whole unit), a period, and the moment the data
    is taken as of (the request), which makes a report reproducible."""

    node: Node | None
    starts_on: datetime.date
    ends_on: datetime.date
    as_of: datetime.datetime
    sensitive: bool  # whether sensitive hardship categories are included

    @property
    def path(self) -> str:
        return self.node.path if self.node else ""

    @property
    def cutoff(self) -> datetime.date:
        """The last day the report looks at: the period's end, or the day it was asked for if earlier."""
        return min(self.ends_on, unit_today(self.as_of))

    def under(self, prefix: str = "") -> Q:
        """Rows whose organisation (reached through `prefix`, e.g. "member__") lies in the subtree."""
        return Q(**{f"{prefix}node__path__startswith": self.path})

    def in_period(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.starts_on, f"{field_name}__lte": self.ends_on})
