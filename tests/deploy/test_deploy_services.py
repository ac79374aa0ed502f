"""Services select the pods of exactly one workload, on a port that a container of those pods names."""

from deploy_manifests import containers, namespace, of_kind, pod_labels, pod_spec, rid, selector_matches, workloads


def selected(docs, service):
    return [
        w
        for w in workloads(docs)
        if w["kind"] != "Job"
        and namespace(w) == namespace(service)
        and selector_matches({"matchLabels": service["spec"]["selector"]}, pod_labels(w))
    ]


def test_every_service_selects_exactly_one_workload(docs):
    problems = []
    for service in of_kind(docs, "Service"):
        found = selected(docs, service)
        if len(found) != 1:
            problems.append(f"{rid(service)}: spec.selector matches {[rid(w) for w in found] or 'no workload'}")
    assert not problems, "\n".join(problems)


def test_every_target_port_is_a_container_port(docs):
    problems = []
    for service in of_kind(docs, "Service"):
        for workload in selected(docs, service):
            ports = [p for c in containers(pod_spec(workload), init=False) for p in c.get("ports", [])]
            names = {p.get("name") for p in ports}
            numbers = {p["containerPort"] for p in ports}
            for port in service["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                if target not in names and target not in numbers:
                    problems.append(
                        f"{rid(service)}: spec.ports[{port.get('name')}].targetPort {target!r} "
                        f"is no port of {rid(workload)}"
                    )
    assert not problems, "\n".join(problems)


def test_the_contract_services_and_ports_exist(docs):
    """docs/architecture.md §9.2: Service name -> (port, target port name)."""
    expected = {
        "users": (80, "http"), "inventory": (80, "http"), "inventory-grpc": (50051, "grpc"),
        "orders": (80, "http"), "payments": (80, "http"), "storefront": (80, "http"),
    }  # fmt: skip
    found = {
        s["metadata"]["name"]: (s["spec"]["ports"][0]["port"], s["spec"]["ports"][0]["targetPort"])
        for s in of_kind(docs, "Service")
        if namespace(s) == "retail-app"
    }
    assert found == expected
    container_ports = {
        w["metadata"]["name"]: {
            p["name"]: p["containerPort"] for c in pod_spec(w)["containers"] for p in c.get("ports", [])
        }
        for w in workloads(docs)
        if namespace(w) == "retail-app" and w["kind"] == "Deployment"
    }
    assert {n: container_ports[n] for n in expected} == {
        n: ({"grpc": 50051, "metrics": 9103} if n == "inventory-grpc" else {"http": 8000}) for n in expected
    }


def test_every_app_pod_says_where_its_metrics_are(docs):
    """Issue 15: web serves /metrics on http 8000; each worker role its `metrics` port (9101-9104), and
    the prometheus.io annotations (which the sidecar merges from) name that port."""
    role_ports = {"web": ("http", 8000), "consumers": ("metrics", 9101), "relay": ("metrics", 9102)}
    role_ports |= {"grpc": ("metrics", 9103), "sweeper": ("metrics", 9104)}
    found, expected = {}, {}
    for w in workloads(docs):
        if namespace(w) != "retail-app" or w["kind"] != "Deployment":
            continue
        template = w["spec"]["template"]["metadata"]
        role = template["labels"]["app.kubernetes.io/component"]
        ports = {p["name"]: p["containerPort"] for c in pod_spec(w)["containers"] for p in c.get("ports", [])}
        notes = template.get("annotations", {})
        name, number = role_ports[role]
        found[w["metadata"]["name"]] = (
            ports.get(name),
            notes.get("prometheus.io/scrape"),
            notes.get("prometheus.io/port"),
            notes.get("prometheus.io/path"),
        )
        expected[w["metadata"]["name"]] = (number, "true", str(number), "/metrics")
    assert found == expected
