"""Staff in Chromium: the ops console lists a failed event of a service and retries it."""

import re

from retail_dev.stack import STAFF
from retail_dev.testing import poll


def test_admin_retries_a_failed_event_from_the_ops_console(shop):
    shop.stack.bad_event("order-created", key="bad-event-1")
    shop.sign_in(*STAFF)
    page = shop.page
    page.get_by_role("link", name="Ops").click()
    shop.shot("ops-dashboard")
    page.get_by_role("link", name="Failed events").click()

    row = page.locator("tr", has_text="bad-event-1")

    def listed_after_reload() -> int:
        page.reload()
        return row.count()

    if not row.count():  # payments files it after its retries (1+2+4 s): reload until it shows
        poll(listed_after_reload, timeout=30, interval=0.5, message="bad-event-1 listed on the ops console")
    assert row.count() == 1
    assert row.get_by_text("PENDING").is_visible()
    shop.shot("ops-failed-events")

    row.get_by_role("button", name=re.compile("^Retry")).click()

    assert page.get_by_text(re.compile(r"payments failed event #\d+ sent back to its topic")).is_visible()
    # A schema-breaking event fails again at once and its row reopens: the retry shows in its count.
    page.get_by_label("Status").select_option("")
    page.get_by_role("button", name="Filter").click()
    assert row.get_by_text("retried 1\N{MULTIPLICATION SIGN}").is_visible()


def test_a_customer_gets_a_friendly_403_on_the_ops_console(shop):
    shop.register()
    shop.expected.append("the server responded with a status of 403")  # Chromium logs the page's own status
    response = shop.go("/ops/")

    assert response.status == 403
    assert shop.page.get_by_role("heading", name="This page is not for you").is_visible()
    shop.shot("ops-403")
