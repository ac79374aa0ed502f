"""PodDisruptionBudgets leave room to evict: minAvailable is below the replicas (and the HPA's minimum)."""

from deploy_manifests import namespace, of_kind, rid, selector_matches, workloads


def test_min_available_below_replicas(overlay, docs):
    hpas = {(namespace(h), h["spec"]["scaleTargetRef"]["name"]): h for h in of_kind(docs, "HorizontalPodAutoscaler")}
    problems = []
    pdbs = of_kind(docs, "PodDisruptionBudget")
    assert pdbs
    for pdb in pdbs:
        targets = [
            w
            for w in workloads(docs)
            if w["kind"] != "Job"
            and namespace(w) == namespace(pdb)
            and selector_matches(pdb["spec"]["selector"], w["spec"]["template"]["metadata"]["labels"])
        ]
        if len(targets) != 1:
            problems.append(f"{rid(pdb)}: spec.selector matches {len(targets)} workloads")
            continue
        target = targets[0]
        hpa = hpas.get((namespace(target), target["metadata"]["name"]))
        fewest = min(target["spec"].get("replicas", 1), hpa["spec"]["minReplicas"] if hpa else 10**6)
        if pdb["spec"]["minAvailable"] >= fewest:
            problems.append(
                f"{rid(pdb)}: spec.minAvailable {pdb['spec']['minAvailable']} is not below {fewest} replicas"
            )
        if overlay == "prod" and pdb["spec"]["minAvailable"] < 1:
            problems.append(f"{rid(pdb)}: spec.minAvailable should be 1 in prod")
    assert not problems, "\n".join(problems)


def test_hpas_scale_web_deployments_as_the_contract_says(overlay, docs):
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert sorted(h["spec"]["scaleTargetRef"]["name"] for h in hpas) == [
        "inventory",
        "orders",
        "payments",
        "storefront",
        "users",
    ]
    bounds = {"dev": (1, 2), "staging": (2, 4), "prod": (3, 10)}[overlay]
    for h in hpas:
        assert (h["spec"]["minReplicas"], h["spec"]["maxReplicas"]) == bounds, rid(h)
        behavior = h["spec"]["behavior"]
        assert behavior["scaleUp"]["policies"] == [{"type": "Pods", "value": 2, "periodSeconds": 60}], rid(h)
        assert behavior["scaleDown"]["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 120}], rid(h)
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 300, rid(h)
