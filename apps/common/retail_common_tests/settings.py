"""Settings of the library's test project: exactly what a service gets from retail_common.service_settings."""

from pathlib import Path

from retail_common import service_settings as conf

# The settings every project shares, by name: conf.__all__ lists them (linters read it).
from retail_common.service_settings import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent

SERVICE_NAME = "common"
DATABASES, CACHES, LOGGING, SPECTACULAR_SETTINGS, STATIC_ROOT = conf.service_settings(SERVICE_NAME, BASE_DIR)

INSTALLED_APPS = [*conf.DJANGO_APPS, *conf.LIBRARY_APPS, "retail_common_tests"]
ROOT_URLCONF = "retail_common_tests.urls"
RETAIL = conf.service_retail(
    SERVICE_NAME,
    events="retail_common_tests.event_handlers",
    EXTRA_SUBSCRIPTIONS={"order-created": ["common-tests", "bench"]},
)
