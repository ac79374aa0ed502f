"""Which root spans start a trace: requests, RPCs and messages do; a query or a cache call on its own does not.

The relay polls its table twice a second and the consumers touch Redis between batches: with every
such call a trace of one span, the traces of the shop's work would drown (and each costs an export).
Spans inside a trace are kept as their parent decides (ParentBased in tracing.py).
"""

from __future__ import annotations

from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import SpanKind

ENTRY_KINDS = frozenset({SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.PRODUCER})


class EntryPointSampler(Sampler):
    def should_sample(
        self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None
    ) -> SamplingResult:
        decision = Decision.RECORD_AND_SAMPLE if kind in ENTRY_KINDS else Decision.DROP
        return SamplingResult(decision, attributes if decision is Decision.RECORD_AND_SAMPLE else None, trace_state)

    def get_description(self) -> str:
        return "EntryPointSampler{server,consumer,producer}"
