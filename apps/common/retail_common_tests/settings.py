"""Settings of the library's test project: exactly what a service gets from retail_common.conf."""

from pathlib import Path

from retail_common import conf

BASE_DIR = Path(__file__).resolve().parent.parent

globals().update(conf.common_settings(service="common", base_dir=BASE_DIR))

INSTALLED_APPS = [*conf.DJANGO_APPS, *conf.LIBRARY_APPS, "retail_common_tests"]
ROOT_URLCONF = "retail_common_tests.urls"
RETAIL = {
    **RETAIL,  # noqa: F821 (from common_settings)
    "EXTRA_SUBSCRIPTIONS": {"order-created": ["common-tests", "bench"]},
    "EVENT_HANDLER_MODULES": ("retail_common_tests.event_handlers",),
    "READINESS_CHECKS": conf.READINESS_CHECKS_WITH_BROKER,
}
