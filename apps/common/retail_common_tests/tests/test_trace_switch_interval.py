"""The GIL switch interval tracing sets while its export thread encodes spans (retail_common.observability.tracing)."""

import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from retail_common.observability import trace_sampling, tracing

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


@pytest.mark.parametrize(
    ("share", "milliseconds"), [(1.0, 0.5), (0.5, 1.0), (0.25, 2.0), (0.1, 5.0), (0.01, 5.0), (0.0, 5.0)]
)
def test_the_default_lengthens_as_fewer_traces_are_exported(share, milliseconds):
    # Keeping one trace in ten, 0.5 ms cost the saga CPU that Python's 5 ms did not (docs/benchmarks.md).
    assert tracing.default_switch_interval_ms(share) == pytest.approx(milliseconds)


@pytest.mark.parametrize(
    ("sampler", "ratio", "seconds"),
    [
        (None, None, 0.0005),
        ("parentbased_always_on", None, 0.0005),
        ("parentbased_traceidratio", "0.25", 0.002),
        ("parentbased_traceidratio", "0.1", PYTHON_DEFAULT),
        ("traceidratio", "1", 0.0005),
        ("always_off", None, PYTHON_DEFAULT),
    ],
)
def test_the_overlays_samplers_set_their_interval(monkeypatch, interval, sampler, ratio, seconds):
    monkeypatch.delenv(tracing.SWITCH_INTERVAL_VARIABLE, raising=False)
    for variable, value in ((trace_sampling.SAMPLER_VARIABLE, sampler), (trace_sampling.RATIO_VARIABLE, ratio)):
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    trace_sampling.configured_sampler()
    assert tracing.switch_interval_apply(trace_sampling.kept_share()) == pytest.approx(seconds)


def test_the_variable_wins_over_the_share(monkeypatch, interval):
    monkeypatch.setenv(tracing.SWITCH_INTERVAL_VARIABLE, "0.5")
    assert tracing.switch_interval_apply(0.1) == pytest.approx(0.0005)
