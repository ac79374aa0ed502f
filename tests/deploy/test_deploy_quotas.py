"""Quotas and LimitRanges admit each overlay at its maximum scale (every HPA at maxReplicas, a surge pod
per Deployment, every Job, the injected sidecars)."""

from deploy_capacity import FIELDS, container_amount, namespace_usage, quantity, quota_of, shown
from deploy_manifests import containers, namespace, of_kind, pod_spec, rid, workloads

NAMESPACES = ("retail-app", "retail-data", "retail-observe")


def test_quotas_fit_the_maximum_scale(overlay, docs):
    problems = []
    for ns in NAMESPACES:
        hard = quota_of(docs, ns)
        for field, used in namespace_usage(docs, ns).items():
            if used and field not in hard:
                problems.append(f"ResourceQuota {ns}/{ns}: spec.hard.{field} is not set ({shown(field, used)} needed)")
            elif used > hard.get(field, used):
                problems.append(
                    f"ResourceQuota {ns}/{ns}: spec.hard.{field} {shown(field, hard[field])} < "
                    f"{shown(field, used)} needed at maximum scale"
                )
    assert not problems, "\n".join(problems)


def test_quotas_have_no_cpu_limit(docs):
    for ns in NAMESPACES:
        assert "limits.cpu" not in quota_of(docs, ns), f"ResourceQuota {ns}/{ns}: spec.hard.limits.cpu (no CPU limits)"


def test_limit_ranges_admit_every_container(docs):
    problems = []
    ranges = {namespace(r): r["spec"]["limits"][0] for r in of_kind(docs, "LimitRange")}
    assert set(ranges) == set(NAMESPACES)
    for w in workloads(docs):
        bounds = ranges[namespace(w)]
        assert "cpu" not in bounds.get("default", {}), f"LimitRange {namespace(w)}: spec.limits[0].default.cpu"
        for c in containers(pod_spec(w)):
            limit = container_amount(c, "limits.memory")
            request = container_amount(c, "requests.memory")
            if limit > quantity(bounds["max"]["memory"]):
                problems.append(f"{rid(w)}: container {c['name']}: resources.limits.memory above the LimitRange max")
            if request < quantity(bounds["min"]["memory"]):
                problems.append(f"{rid(w)}: container {c['name']}: resources.requests.memory below the LimitRange min")
    assert not problems, "\n".join(problems)


def test_usage_counts_what_it_should():
    """The arithmetic the quota test relies on: quantities and the pod's effective amount."""
    assert quantity("250m") == quantity("0.25")
    assert quantity("1Gi") == 1024 * quantity("1Mi")
    pod = {"resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}}
    assert [container_amount(pod, f) for f in FIELDS] == [quantity("0.1"), quantity("256Mi"), quantity("512Mi")]
