"""Every ConfigMap, Secret and ServiceAccount a pod references exists in its namespace."""

from deploy_manifests import containers, namespace, of_kind, pod_spec, rid, workloads


def referenced(spec: dict) -> list[tuple[str, str, str]]:
    """(kind, name, where) of every object the pod spec names."""
    found = [("ServiceAccount", spec.get("serviceAccountName", "default"), "serviceAccountName")]
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            found.append(("ConfigMap", volume["configMap"]["name"], f"volumes[{volume['name']}].configMap"))
        if "secret" in volume:
            found.append(("Secret", volume["secret"]["secretName"], f"volumes[{volume['name']}].secret"))
    for c in containers(spec):
        for source in c.get("envFrom", []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key in source:
                    found.append((kind, source[key]["name"], f"containers[{c['name']}].envFrom"))
        for var in c.get("env", []):
            ref = var.get("valueFrom", {})
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if key in ref:
                    found.append((kind, ref[key]["name"], f"containers[{c['name']}].env[{var['name']}]"))
    return found


def test_every_reference_exists(docs):
    existing = {
        (d["kind"], namespace(d), d["metadata"]["name"]) for d in of_kind(docs, "ConfigMap", "Secret", "ServiceAccount")
    }
    problems = [
        f"{rid(w)}: spec.template.spec.{where} names {kind} {name}, which does not exist"
        for w in workloads(docs)
        for kind, name, where in referenced(pod_spec(w))
        if (kind, namespace(w), name) not in existing
    ]
    assert not problems, "\n".join(problems)


def test_no_secret_objects_in_the_manifests(docs):
    """Secrets come from Vault as files (docs/architecture.md §9.4); only vault-bootstrap creates one, at run time."""
    assert [rid(d) for d in of_kind(docs, "Secret")] == []


def test_rbac_bindings_name_existing_accounts(docs):
    accounts = {(namespace(d), d["metadata"]["name"]) for d in of_kind(docs, "ServiceAccount")}
    problems = [
        f"{rid(b)}: subjects[{s['name']}] is no ServiceAccount of {s.get('namespace', namespace(b))}"
        for b in of_kind(docs, "RoleBinding", "ClusterRoleBinding")
        for s in b["subjects"]
        if s["kind"] == "ServiceAccount" and (s.get("namespace", namespace(b)), s["name"]) not in accounts
    ]
    assert not problems, "\n".join(problems)
