"""Finding an organisation on a phone (390x844) in a real browser: the tree page's search opens the branches of
what matches, and an organisation choice's search box (app.js, for every NodeSelect) narrows its options to the
matches and the organisations above them. And a unit still setting up sees its checklist on the dashboard."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from care.registers import checklist
from care.registers.models import Node

from .test_browser import browser, server  # noqa: F401  (fixtures)
from .test_browser_registers import committed, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("CAREHUB_SCREENSHOTS")  # a folder to keep screenshots in, when set


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_search_the_tree_on_a_phone(server, browser, django_db_setup):  # noqa: F811
    nodes = django_db_setup["alpha"].nodes
    page = sign_in(browser, server, **PHONE)
    page.goto(f"http://alpha.localhost:{server}/registers/tree/")
    search = page.get_by_role("searchbox", name="Find an organisation")
    expect(search).to_be_visible()
    no_sideways_scroll(page)

    search.fill("东一")
    for key in ("root", "east", "east1"):  # the match and the organisations above it, opened
        expect(page.locator(f"#node-{nodes[key].pk} > details > summary, #node-{nodes[key].pk} > .leaf")
               .first).to_be_visible()
    for key in ("west", "west1", "east2"):
        expect(page.locator(f"#node-{nodes[key].pk}")).to_be_hidden()
    shot(page, "tree-search-390")

    search.fill("没有这个组织")
    expect(page.locator("#tree-no-match")).to_be_visible()
    search.fill("")
    for key in ("west", "east2"):
        expect(page.locator(f"#node-{nodes[key].pk}")).to_be_visible()
    expect(page.locator("#tree-no-match")).to_be_hidden()


def test_narrow_the_organisation_filter_on_a_phone(server, browser, django_db_setup):  # noqa: F811
    nodes = django_db_setup["alpha"].nodes
    page = sign_in(browser, server, **PHONE)
    page.goto(f"http://alpha.localhost:{server}/registers/members/")
    select = page.locator("#member-filter select[name=node]")
    search = page.locator("#member-filter .tree-pick").get_by_role("searchbox", name="Find an organisation")
    expect(search).to_be_visible()
    no_sideways_scroll(page)

    search.fill("总支")  # two matches: both general branches, with the unit's top above them
    labels = [label.strip() for label in select.locator("option").all_inner_texts()]
    assert labels == ["All organisations", "Alpha 区委", "东区总支", "西区总支"]
    expect(select).to_have_value("")  # two to choose from: nothing chosen for the user

    search.fill("西一")  # one match: chosen, and the list follows at once
    expect(select).to_have_value(str(nodes["west1"].pk))
    page.wait_for_url(f"**node={nodes['west1'].pk}**")
    assert [label.strip() for label in select.locator("option").all_inner_texts()] == [
        "All organisations", "Alpha 区委", "西区总支", "西一支部"]
    shot(page, "filter-search-390")

    search.fill("没有这个组织")
    expect(search).to_have_attribute("aria-invalid", "true")
    expect(select).to_have_value(str(nodes["west1"].pk))  # the choice made stays
    search.fill("")
    assert select.locator("option").count() == 1 + committed(Node.objects.count)  # everything back
    no_sideways_scroll(page)


def test_the_checklist_on_a_phone(server, browser):  # noqa: F811
    steps = committed(checklist.progress)
    page = sign_in(browser, server, **PHONE)
    page.goto(f"http://alpha.localhost:{server}/")
    if all(item.done for item in steps):  # other tests may have done every step in alpha
        expect(page.locator("#getting-started")).to_have_count(0)
        return
    expect(page.locator("#getting-started")).to_be_visible()
    for item in steps:
        row = page.locator(f"#step-{item.step.key}")
        expect(row).to_have_class("done" if item.done else "todo")
        if not item.done:
            # The unit's URL conf, named: this thread's current one may be the console's, left by another test.
            href = reverse(item.step.url_name, urlconf="carehub.urls_tenant")
            expect(row.get_by_role("link")).to_have_attribute("href", href)
    no_sideways_scroll(page)
    shot(page, "checklist-390")
