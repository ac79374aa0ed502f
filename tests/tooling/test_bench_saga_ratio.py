"""`bench saga --tracing --ratio R`: the stack with tracing on samples as the overlays do (issue 23)."""

import argparse

import pytest

from retail_dev.benchmarks.saga import sampler_env
from retail_dev.commands.bench import add_arguments


def test_the_ratio_becomes_opentelemetrys_own_sampler_variables():
    assert sampler_env(0.1) == {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}
    assert sampler_env(None) == {}  # the SDK's default: every trace, as before the option


def test_a_ratio_outside_0_to_1_is_refused_with_the_fix():
    with pytest.raises(SystemExit) as refused:
        sampler_env(1.5)
    assert str(refused.value) == "--ratio 1.5: give the share of traces kept, from 0 to 1 (0.1 keeps 10 %)"


def test_the_command_takes_the_option():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["saga", "--tracing", "--ratio", "0.1"])
    assert (args.suite, args.tracing, args.ratio) == ("saga", True, 0.1)
    assert parser.parse_args(["saga", "--tracing"]).ratio is None
