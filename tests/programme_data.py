"""A small register in a unit for the care programme tests: members of every situation the rules care about."""

import datetime
import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from care.programme.models import CareTask, Rule, TaskStatus
from care.programme.services import records, runs
from care.registers.models import HardshipCategory, Member
from care.registers.services import hardship, members

from .conftest import Staff

D = datetime.date
# A week ago on the machine: records may not lie in the unit's future, whatever day the tests run.
LAST_WEEK = datetime.date.today() - datetime.timedelta(days=7)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


PNG = png()


@dataclass
class Programme:
    staff: Staff
    old: Member  # 86, joined 1965, in the hardship ledger (elderly), east1
    young: Member  # 35, east2
    leap_day: Member  # born on Feb 29, east1
    lunar: Member  # lunar birthday 12/3, east1
    golden: Member  # joined 1976-07-01: 50 years in 2026, east1
    deceased: Member  # in the ledger, east1
    moved: Member  # moved out, in the ledger, east1
    west: Member  # in the ledger, west1 (the sibling secretary's subtree)

    def rule(self, key: str) -> Rule:
        return Rule.objects.select_related("current").get(key=key)


def add(staff: Staff, node: str, name: str, **data) -> Member:
    values = {"sex": "m", "birth_date": "1960-05-05", "joined_on": "1985-05-05", "phone": "", **data}
    return members.create_member(staff.admin, node=staff.nodes[node], name=name, **values)


def make_programme(staff: Staff) -> Programme:
    """Inside the unit's schema (the caller's transaction)."""
    admin = staff.admin
    with schema_context(staff.unit.schema_name):
        old = add(staff, "east1", "王老", birth_date="1940-03-02", joined_on="1965-07-02", uses_smartphone=False)
        deceased = add(staff, "east1", "钱故", birth_date="1935-01-01", joined_on="1960-01-01")
        moved = add(staff, "east1", "周迁", birth_date="1945-01-01", joined_on="1970-01-01")
        west = add(staff, "west1", "吴西", birth_date="1950-06-01", joined_on="1975-06-01")
        for member in (old, deceased, moved, west):
            hardship.open_entry(admin, member, category=HardshipCategory.ELDERLY, reason="高龄独居",
                                opened_on=D(2025, 1, 1))
        members.change_status(admin, deceased, "deceased", died_on=D(2025, 3, 1))
        members.change_status(admin, moved, "moved_out")
        return Programme(
            staff, old=old,
            young=add(staff, "east2", "李青", birth_date="1990-05-05", joined_on="2015-05-05"),
            leap_day=add(staff, "east1", "赵闰", birth_date="1960-02-29", joined_on="1985-03-01"),
            lunar=add(staff, "east1", "孙农", birth_date="1950-01-20", lunar_birth_month=12, lunar_birth_day=3),
            golden=add(staff, "east1", "郑金", birth_date="1950-02-01", joined_on="1976-07-01"),
            deceased=Member.objects.get(pk=deceased.pk), moved=Member.objects.get(pk=moved.pk), west=west,
        )


@pytest.fixture(name="world")
def world_fixture(alpha, media):
    """The programme register in alpha, its horizon generated, one visit with a photo and one talk."""
    with schema_context("alpha"):
        programme = make_programme(alpha)
        runs.generate(None, horizon=366)
        visit = records.record_visit(alpha.admin, programme.old, visited_on=LAST_WEEK, occasion="走访",
                                     visitors=[alpha.secretary])
        programme.photo = records.add_photo(alpha.admin, visit,
                                            SimpleUploadedFile("photo.png", PNG, content_type="image/png"))
        talk = records.record_talk(alpha.admin, programme.old, held_on=LAST_WEEK, topic="年度谈心",
                                   participants=[alpha.secretary], summary="身体尚可", confidential_notes="家庭矛盾")
        programme.visit, programme.talk = visit, talk
        programme.task = CareTask.objects.filter(member=programme.old, status=TaskStatus.OPEN).first()
        programme.rule_created = Rule.objects.create(key="")  # an id beta does not have
        return programme
