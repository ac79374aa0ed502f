"""The storefront's backend URLs: one per service of the topology, each defaulting to that service's dev port."""

import re
from pathlib import Path

from django.conf import settings

from retail_common.config.topology import TOPOLOGY

SETTINGS = Path(settings.BASE_DIR) / "storefront_service" / "settings.py"


def test_one_backend_per_service_of_the_topology():
    assert set(settings.STOREFRONT_BACKENDS) == set(TOPOLOGY.service_names)


def test_each_default_is_the_services_dev_port():
    defaults = dict(re.findall(r'"(\w+)": env\("\w+_URL", default="http://127\.0\.0\.1:(\d+)"\)', SETTINGS.read_text()))
    assert defaults == {name: str(TOPOLOGY.project(name).http_port) for name in TOPOLOGY.service_names}
