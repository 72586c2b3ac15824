"""The member list's filter by the unit's own fields, in a real browser at a desktop and a phone width: the field
is chosen by its label, the picker redraws itself with the operators and the value input that fit the field, and
the list follows; nobody types `key__gte=value`."""

import pytest
from django.db import connection

from care.registers.models import ExtraField, Member
from care.registers.services import extra_fields, members

from .test_browser import browser, server  # noqa: F401  (fixtures)
from .test_browser_registers import committed, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
NAMES = ("党费测试甲", "党费测试乙")
LABEL = "月党费测试"


def purge() -> None:
    doomed = [str(pk) for pk in Member.objects.filter(name__in=NAMES).values_list("pk", flat=True)]
    fields = [str(pk) for pk in ExtraField.objects.filter(label=LABEL).values_list("pk", flat=True)]
    Member.objects.filter(name__in=NAMES).delete()
    ExtraField.objects.filter(label=LABEL).delete()
    with connection.cursor() as cursor:  # the audit trail refuses deletes through the ORM by design
        cursor.execute("DELETE FROM audit_auditevent WHERE (object_type = 'member' AND object_id = ANY(%s)) "
                       "OR (object_type = 'extrafield' AND object_id = ANY(%s))", [doomed, fields])


@pytest.fixture(name="dues")
def dues_fixture(django_db_setup):
    """A number field of the unit's own, and two members paying 20 and 50 a month."""
    admin, east1 = django_db_setup["alpha"].admin, django_db_setup["alpha"].nodes["east1"]

    def create():
        field = extra_fields.save_extra_field(admin, label=LABEL, kind="number")
        for name, amount in zip(NAMES, (20, 50), strict=True):
            members.create_member(admin, node=east1, name=name, sex="m", extra={field.key: amount})
        return field

    field = committed(create)
    yield field
    committed(purge)


def settled(page) -> None:
    """HTMX has swapped in what it asked for (the element that asked is gone or no longer busy)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


@pytest.mark.parametrize("width", [1366, 390])
def test_filter_by_a_field_of_ones_own_with_the_picker(dues, server, browser, width):  # noqa: F811
    page = sign_in(browser, server, width=width, height=844)
    page.goto(f"http://alpha.localhost:{server}/registers/members/?q=党费测试")
    page.locator("#result-count", has_text="2 members").wait_for()
    page.click("details.more-filters summary")
    with page.expect_response("**/registers/members/conditions/**"):
        page.select_option("#id_cond1-field", label=LABEL)
    settled(page)  # redrawn with the operators of a number field
    assert page.locator("#id_cond1-op option").all_inner_texts() == [
        "equals", "is at least", "is at most", "is empty", "is filled in"]
    assert page.get_attribute("#id_cond1-value", "type") == "number"
    with page.expect_response("**/registers/members/conditions/**"):
        page.select_option("#id_cond1-op", label="is at least")
    settled(page)
    page.fill("#id_cond1-value", "30")
    page.locator("#id_cond1-value").dispatch_event("change")
    page.locator("#result-count", has_text="1 member").wait_for()
    assert NAMES[1] in page.inner_text("#member-table") and NAMES[0] not in page.inner_text("#member-table")
    assert "__gte" not in page.inner_text("main") and page.locator("#id_cond2-field").count() == 1  # add another

    page.reload()  # the address was pushed: the list and the picker come back as they were
    page.locator("#result-count", has_text="1 member").wait_for()
    assert page.input_value("#id_cond1-value") == "30"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.context.close()
