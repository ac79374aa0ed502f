"""The Vault Agent configuration: common.hcl plus one file per ServiceAccount, composed as Vault composes
them, proven with an HCL v1 parser (no Vault server runs here)."""

import re

from deploy_manifests import SECRETS_MOUNT, containers, namespace, of_kind, pod_spec, rid, workloads
from vault_agent_config import (
    AGENTS,
    COMMON,
    CONFIG_ARGS,
    MOUNT,
    SECRET_PATH,
    account_files,
    compose,
    composed_from,
    destinations,
    items,
    kubernetes_login,
)

from retail_common.ops.vault_setup import ACCOUNTS

VAULT_ADDRESS = "http://vault.retail-data.svc.cluster.local:8200"
TOKEN_PATH = "/var/run/secrets/vault/token"  # the projected token of the agents whose role binds an audience
PROBED_FILE = re.compile(r"test -s (\S+)")


def test_the_parser_keeps_every_repeated_block_and_composes_like_vault():
    first = 'vault { address = "a" }\nauto_auth { method "kubernetes" { config = { role = "x" } } }\n'
    second = (
        'auto_auth { method "kubernetes" { config = { role = "y" } } }\n'
        'template { destination = "/vault/secrets/A", perms = "0400",\n'
        '           contents = "{{ with secret \\"secret/data/retail/y\\" }}{{ .Data.data.A }}{{ end }}" }\n'
        'template {\n  destination = "/vault/secrets/B"\n  perms = "0400"\n  contents = <<EOT\nb\nEOT\n}\n'
    )
    assert [key for key, _ in items(second)] == ["auto_auth", "template", "template"]
    config = compose(first, second)
    assert config["vault"] == {"address": "a"}  # kept from the first file
    assert kubernetes_login(config)["config"] == {"role": "y"}  # replaced by the second
    assert config["template"] == [
        {
            "destination": "/vault/secrets/A",
            "perms": "0400",
            "contents": '{{ with secret "secret/data/retail/y" }}{{ .Data.data.A }}{{ end }}',
        },
        {"destination": "/vault/secrets/B", "perms": "0400", "contents": "b"},
    ]


def test_common_and_account_files_say_different_things():
    """What every agent shares is in common.hcl only; an account's file says only its role and its keys.
    A block in both would be taken from the account's file (Vault's merge): the shared one would be dead."""
    assert [key for key, _ in items((AGENTS / COMMON).read_text())] == ["vault", "template_config"]
    for account, text in account_files().items():
        keys = [key for key, _ in items(text)]
        assert keys[0] == "auto_auth" and set(keys[1:]) == {"template"}, f"{account}.hcl: {keys}"


def test_every_account_has_a_file_and_every_file_an_account():
    assert set(account_files()) == {account.name for account in ACCOUNTS}


def test_composed_config_of_each_account():
    readable = {account.name: {account.name, *account.shared} for account in ACCOUNTS}
    audiences = {account.name: account.audience for account in ACCOUNTS}
    for account, text in account_files().items():
        config = compose((AGENTS / COMMON).read_text(), text)
        assert config["vault"] == {"address": VAULT_ADDRESS}, account
        assert config["template_config"] == {"exit_on_retry_failure": True}, account
        login = kubernetes_login(config)
        # The role is the ServiceAccount's name; the mount is Vault's default for the method, auth/kubernetes.
        # A role that binds an audience takes only the projected token with it (see the test below).
        wanted = {"role": account} | ({"token_path": TOKEN_PATH} if audiences[account] else {})
        assert login == {"config": wanted}, f"{account}.hcl: {config['auto_auth']}"
        files = [t["destination"] for t in config["template"]]
        assert files and len(files) == len(set(files)), f"{account}.hcl renders {files}"
        for template in config["template"]:
            where = f"{account}.hcl, {template['destination']}"
            assert set(template) == {"destination", "perms", "contents"}, where
            assert re.fullmatch(rf"{SECRETS_MOUNT}/\w+", template["destination"]), where
            assert template["perms"] == "0400", where
            # Only the KV paths vault-bootstrap's policy lets this role read (vault_setup.policy_text).
            assert set(SECRET_PATH.findall(template["contents"])) <= readable[account], where
            assert SECRET_PATH.search(template["contents"]), where


def agent_containers(spec: dict) -> list[dict]:
    return [c for c in containers(spec) if c["name"] in ("vault-agent", "vault-agent-init")]


def test_each_pod_passes_common_then_its_account_file(docs):
    maps = {(namespace(m), m["metadata"]["name"]): m.get("data", {}) for m in of_kind(docs, "ConfigMap")}
    accounts = {account.name: account.namespace for account in ACCOUNTS}
    problems, checked = [], 0
    for w in workloads(docs):
        spec = pod_spec(w)
        for c in agent_containers(spec):
            checked += 1
            where = f"{rid(w)}: container {c['name']}"
            flags = ["agent", "-exit-after-auth"] if c["name"] == "vault-agent-init" else ["agent"]
            if c.get("args") != [*flags, *CONFIG_ARGS]:
                problems.append(f"{where}: args {c.get('args')} are not {[*flags, *CONFIG_ARGS]}")
            role_env = next((e for e in c.get("env", []) if e["name"] == "VAULT_ROLE"), {})
            if role_env.get("valueFrom") != {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}:
                problems.append(f"{where}: VAULT_ROLE is not the pod's spec.serviceAccountName")
            mount = next((m for m in c.get("volumeMounts", []) if m["mountPath"] == MOUNT), None)
            volume = next((v for v in spec["volumes"] if mount and v["name"] == mount["name"]), {})
            files = maps.get((namespace(w), volume.get("configMap", {}).get("name")), {})
            account = spec.get("serviceAccountName", "")
            missing = {COMMON, f"{account}.hcl"} - set(files)
            if missing:
                problems.append(f"{where}: {MOUNT} has no {sorted(missing)} (ConfigMap {volume.get('configMap')})")
                continue
            if accounts.get(account) != namespace(w):
                problems.append(f"{where}: {account} is no Vault account of namespace {namespace(w)}")
            if kubernetes_login(composed_from(files, account)).get("config", {}).get("role") != account:
                problems.append(f"{where}: the mounted {account}.hcl logs in as another role")
    assert checked, "no vault-agent container found"
    assert not problems, "\n".join(problems)


def test_the_agent_probes_wait_for_a_file_it_renders(docs):
    maps = {(namespace(m), m["metadata"]["name"]): m.get("data", {}) for m in of_kind(docs, "ConfigMap")}
    problems = []
    for w in workloads(docs):
        spec = pod_spec(w)
        volume = next((v for v in spec.get("volumes", []) if v["name"] == "vault-agent-config"), None)
        if volume is None:
            continue
        files = maps[(namespace(w), volume["configMap"]["name"])]
        rendered = destinations(composed_from(files, spec["serviceAccountName"]))
        for c in agent_containers(spec):
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                command = " ".join(c.get(probe, {}).get("exec", {}).get("command", []))
                problems += [
                    f"{rid(w)}: {c['name']} {probe} waits for {path}, which its agent does not render"
                    for path in PROBED_FILE.findall(command)
                    if path not in rendered
                ]
    assert not problems, "\n".join(problems)


def projected_token_audience(spec: dict, container: dict, path: str) -> str | None:
    """The audience of the projected ServiceAccount token `container` sees at `path` (None: no such token)."""
    for mount in container.get("volumeMounts", []):
        if not path.startswith(mount["mountPath"].rstrip("/") + "/"):
            continue
        volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
        for source in volume.get("projected", {}).get("sources", []):
            token = source.get("serviceAccountToken")
            if token and mount["mountPath"].rstrip("/") + "/" + token["path"] == path:
                return token.get("audience")
    return None


def test_every_agent_logs_in_with_a_token_of_the_audience_its_role_binds(docs):
    """vault_setup binds an audience to a role; every pod whose agent takes that role projects a token with it
    (Vault's Kubernetes auth refuses a token whose `aud` is not the role's `audience`)."""
    audiences = {account.name: account.audience for account in ACCOUNTS}
    problems, checked = [], 0
    for w in workloads(docs):
        spec = pod_spec(w)
        audience = audiences.get(spec.get("serviceAccountName", ""))
        for c in agent_containers(spec):
            found = projected_token_audience(spec, c, TOKEN_PATH)
            if found != audience:
                problems.append(f"{rid(w)}: {c['name']} has a token of audience {found!r} at {TOKEN_PATH}, "
                                f"its role binds {audience!r}")  # fmt: skip
            checked += audience is not None
    assert checked, "no agent logs in with an audience"
    assert not problems, "\n".join(problems)
