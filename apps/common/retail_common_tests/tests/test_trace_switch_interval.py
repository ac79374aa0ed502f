"""The GIL switch interval tracing sets while its export thread encodes spans (retail_common.observability.tracing)."""

import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from retail_common.observability import tracing

PYTHON_DEFAULT = 0.005


@pytest.fixture
def interval():
    """Start from Python's own 5 ms and put back whatever the process had."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(PYTHON_DEFAULT)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize(("value", "seconds"), [(None, 0.0005), ("", 0.0005), ("2", 0.002), (" 0.25 ", 0.00025)])
def test_tracing_shortens_the_switch_interval(monkeypatch, interval, value, seconds):
    if value is None:
        monkeypatch.delenv(tracing.SWITCH_INTERVAL_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(tracing.SWITCH_INTERVAL_VARIABLE, value)
    assert tracing.switch_interval_apply() == pytest.approx(seconds)
    assert sys.getswitchinterval() == pytest.approx(seconds)


def test_zero_keeps_pythons_own_interval(monkeypatch, interval):
    monkeypatch.setenv(tracing.SWITCH_INTERVAL_VARIABLE, "0")
    assert tracing.switch_interval_apply() == pytest.approx(PYTHON_DEFAULT)
    assert sys.getswitchinterval() == pytest.approx(PYTHON_DEFAULT)


@pytest.mark.parametrize("value", ["fast", "-1", "nan", "500", "1ms"])
def test_a_bad_value_stops_start_up_naming_the_variable_and_changes_nothing(monkeypatch, interval, value):
    monkeypatch.setenv(tracing.SWITCH_INTERVAL_VARIABLE, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        tracing.switch_interval_apply()
    assert str(refused.value) == (
        f"RETAIL_TRACING_SWITCH_INTERVAL_MS={value!r}: set a number of milliseconds from 0 to 100"
        " (0 keeps Python's default)"
    )
    assert sys.getswitchinterval() == pytest.approx(PYTHON_DEFAULT)


def test_tracing_off_leaves_the_interval_alone(monkeypatch, interval):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.setenv(tracing.SWITCH_INTERVAL_VARIABLE, "0.1")
    assert tracing.tracing_setup("orders") is False
    assert sys.getswitchinterval() == pytest.approx(PYTHON_DEFAULT)
