"""Which spans are sampled: OpenTelemetry's own sampler from its environment variables, behind one rule of ours.

The sampler is the SDK's, chosen by OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG exactly as the SDK
reads them (parentbased_always_on when unset; each overlay sets parentbased_traceidratio and its ratio,
deploy/README.md "Traces and sampling"). In front of it one rule: a root span that is not a request, an RPC
or a message (a query or a cache call outside any of them) starts no trace. The relay polls its table
twice a second and the consumers touch Redis between batches: with every such call a trace of one span,
the shop's traces would drown (and each would cost an export).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from opentelemetry.sdk.trace import sampling
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import SpanKind, get_current_span

from retail_common.config.environment import env, number_within

ENTRY_KINDS = frozenset({SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.PRODUCER})
SAMPLER_VARIABLE = "OTEL_TRACES_SAMPLER"
RATIO_VARIABLE = "OTEL_TRACES_SAMPLER_ARG"
RATIO_SAMPLERS = ("traceidratio", "parentbased_traceidratio")


class EntryPointSampler(Sampler):
    """A root span of another kind than ENTRY_KINDS is dropped; every other span is `delegate`'s decision."""

    def __init__(self, delegate: Sampler = sampling.ALWAYS_ON):
        self.delegate = delegate

    def should_sample(
        self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None
    ) -> SamplingResult:
        if kind not in ENTRY_KINDS and not get_current_span(parent_context).get_span_context().is_valid:
            return SamplingResult(Decision.DROP, None, trace_state)
        return self.delegate.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"EntryPointSampler{{server,consumer,producer}}/{self.delegate.get_description()}"


def configured_sampler() -> EntryPointSampler:
    """The SDK's sampler of OTEL_TRACES_SAMPLER(_ARG) behind the entry-point rule; a value the SDK would only
    warn about (and then sample everything) stops start-up instead."""
    name = env.str(SAMPLER_VARIABLE, default="").strip().lower()
    if name and name not in sampling._KNOWN_SAMPLERS:
        known = ", ".join(sampling._KNOWN_SAMPLERS)
        raise ImproperlyConfigured(f"{SAMPLER_VARIABLE}={name!r}: set one of {known}, or leave it unset")
    if name in RATIO_SAMPLERS:
        raw = env.str(RATIO_VARIABLE, default="")
        if number_within(raw, 0, 1) is None:
            raise ImproperlyConfigured(
                f"{RATIO_VARIABLE}={raw!r}: set the share of traces {name} keeps, from 0 to 1 (0.1 keeps 10 %)"
            )
    return EntryPointSampler(sampling._get_from_env_or_default())


def kept_share() -> float:
    """The share of traces OTEL_TRACES_SAMPLER(_ARG) keeps at their root (after configured_sampler() has
    checked them): 1 for the always-on samplers and when unset, 0 for the always-off ones, else the ratio."""
    name = env.str(SAMPLER_VARIABLE, default="").strip().lower()
    if name in RATIO_SAMPLERS:
        return number_within(env.str(RATIO_VARIABLE, default=""), 0, 1) or 0.0
    return 0.0 if name.endswith("always_off") else 1.0
