"""PodDisruptionBudgets leave room to evict: minAvailable is below the replicas (and the HPA's minimum)."""

from deploy_manifests import namespace, of_kind, rid, selector_matches, workloads

from retail_common.config.topology import TOPOLOGY

WEB = tuple(sorted(TOPOLOGY.web_names))


def fewest_pods(docs, workload: dict) -> int:
    """The replicas a workload can drop to on its own: the HPA's minimum where one scales it."""
    hpas = [
        h
        for h in of_kind(docs, "HorizontalPodAutoscaler")
        if namespace(h) == namespace(workload) and h["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]
    ]
    replicas = workload["spec"].get("replicas", 1)
    return min([replicas, *(h["spec"]["minReplicas"] for h in hpas)])


def test_min_available_below_replicas(overlay, docs):
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
        fewest = fewest_pods(docs, targets[0])
        if pdb["spec"]["minAvailable"] >= fewest:
            problems.append(
                f"{rid(pdb)}: spec.minAvailable {pdb['spec']['minAvailable']} is not below {fewest} replicas"
            )
        if overlay == "prod" and pdb["spec"]["minAvailable"] < 1:
            problems.append(f"{rid(pdb)}: spec.minAvailable should be 1 in prod")
    assert not problems, "\n".join(problems)


def test_hpas_scale_web_deployments_as_the_contract_says(overlay, docs):
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    assert sorted(h["spec"]["scaleTargetRef"]["name"] for h in hpas) == sorted(WEB)
    # dev: one replica each on kind (three small nodes hold the whole platform), room for one more under load;
    # prod: the seed's bounds, 2..6 and payments at most 4.
    bounds = {
        "dev": dict.fromkeys(WEB, (1, 2)),
        "staging": dict.fromkeys(WEB, (2, 4)),
        "prod": dict.fromkeys(WEB, (2, 6)) | {"payments": (2, 4)},
    }[overlay]
    for h in hpas:
        target = h["spec"]["scaleTargetRef"]["name"]
        assert (h["spec"]["minReplicas"], h["spec"]["maxReplicas"]) == bounds[target], rid(h)
        behavior = h["spec"]["behavior"]
        assert behavior["scaleUp"]["policies"] == [{"type": "Pods", "value": 2, "periodSeconds": 60}], rid(h)
        assert behavior["scaleDown"]["policies"] == [{"type": "Pods", "value": 1, "periodSeconds": 120}], rid(h)
        assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 300, rid(h)


def test_every_workload_of_two_or_more_pods_keeps_one_through_a_drain(overlay, docs):
    """The seed's rule: wherever there are two pods, a PDB keeps at least one (a drain cannot take all)."""
    pdbs = of_kind(docs, "PodDisruptionBudget")
    problems = []
    for w in workloads(docs):
        if w["kind"] in ("Job", "DaemonSet") or fewest_pods(docs, w) < 2:
            continue
        labels = w["spec"]["template"]["metadata"]["labels"]
        guarding = [p for p in pdbs if namespace(p) == namespace(w) and selector_matches(p["spec"]["selector"], labels)]
        if [p["spec"].get("minAvailable", 0) >= 1 for p in guarding] != [True]:
            problems.append(f"{rid(w)}: {fewest_pods(docs, w)} pods, no PodDisruptionBudget with minAvailable >= 1")
    assert not problems, "\n".join(problems)
