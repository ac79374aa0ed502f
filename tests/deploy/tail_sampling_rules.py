"""The contrib collector's tail_sampling processor rules, read upstream, to check our collector config against.

Read in open-telemetry/opentelemetry-collector-contrib (the pinned image is otelcol-contrib 0.136.0; the
index here held config.go at 497862f69939b03daed1915653227b6defa85c0f, not at the v0.136.0 tag, so only
what every later version keeps is checked; newer versions add types and keys we do not use):
- processor/tailsamplingprocessor/config.go: `Config`'s keys (decision_wait, num_traces,
  expected_new_traces_per_sec, policies), the PolicyType values, and the key each type's settings are under
  (`latency.threshold_ms`, `probabilistic.sampling_percentage`, `status_code.status_codes`, …);
  `sampling_percentage` of 100 or more samples every trace;
- processor/tailsamplingprocessor/processor.go (loadSamplingPolicy): a policy name is not empty and not
  repeated ("policy name cannot be empty", "duplicate policy name");
- processor/tailsamplingprocessor/internal/sampling/status_code.go: status codes are OK, ERROR or UNSET
  ("unknown status code %q, supported: OK, ERROR, UNSET"), at least one.
"""

from __future__ import annotations

CONFIG_KEYS = {"decision_wait", "num_traces", "expected_new_traces_per_sec", "policies"}
# PolicyType -> the key its settings are under (always_sample has none)
POLICY_SETTINGS = {
    "always_sample": None,
    "latency": "latency",
    "numeric_attribute": "numeric_attribute",
    "probabilistic": "probabilistic",
    "status_code": "status_code",
    "string_attribute": "string_attribute",
    "rate_limiting": "rate_limiting",
    "composite": "composite",
    "and": "and",
    "span_count": "span_count",
    "trace_state": "trace_state",
    "boolean_attribute": "boolean_attribute",
    "ottl_condition": "ottl_condition",
}
SETTING_KEYS = {
    "latency": {"threshold_ms", "upper_threshold_ms"},
    "probabilistic": {"hash_salt", "sampling_percentage"},
    "status_code": {"status_codes"},
}
STATUS_CODES = {"OK", "ERROR", "UNSET"}


def policy_problems(config: dict) -> list[str]:
    """What the collector would refuse at start, or silently ignore, in a tail_sampling processor's config."""
    problems = [f"unknown key {key}" for key in sorted(set(config) - CONFIG_KEYS)]
    seen: set[str] = set()
    for policy in config.get("policies") or []:
        name, kind = policy.get("name", ""), policy.get("type")
        if not name:
            problems.append("policy name cannot be empty")
        elif name in seen:
            problems.append(f"duplicate policy name {name!r}")
        seen.add(name)
        if kind not in POLICY_SETTINGS:
            problems.append(f"{name}: unknown sampling policy type {kind!r}")
            continue
        settings = POLICY_SETTINGS[kind]
        extra = set(policy) - {"name", "type"} - ({settings} if settings else set())
        problems += [f"{name}: key {key} is not read for type {kind}" for key in sorted(extra)]
        given = (policy.get(settings) or {}) if settings else {}
        known = SETTING_KEYS.get(kind)
        if known is not None:
            problems += [f"{name}: unknown {kind} key {key}" for key in sorted(set(given) - known)]
        if kind == "status_code":
            codes = given.get("status_codes") or []
            if not codes:
                problems.append(f"{name}: expected at least one status code to filter on")
            problems += [f"{name}: unknown status code {c!r}, supported: OK, ERROR, UNSET" for c in codes
                         if c not in STATUS_CODES]  # fmt: skip
    return problems
