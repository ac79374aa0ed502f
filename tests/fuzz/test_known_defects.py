"""The 500 issue 12 reported in all four services, replayed against their real processes."""

import pytest

from retail_dev.shop_client import call
from retail_dev.stack import SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_nul_in_the_failed_events_topic_filter_is_400_in_every_service(fuzz_shop, service):
    url = f"{fuzz_shop.stack.urls[service]}/api/admin/failed-events?topic=a%00b"
    answer = call("GET", url, bearer=fuzz_shop.access_token("ADMIN"))
    assert answer.status == 400
    assert answer.body == {
        "detail": "Query parameter 'topic' contains a NUL character (U+0000), which is not accepted.",
        "code": "invalid_characters",
    }
