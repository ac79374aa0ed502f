"""grafana/grafana against its upstream image (issue 20, checks item 3).

Read in grafana/grafana (the repository is too large to bring here whole; its files were read one by one):
- packaging/docker/run.sh (stored version 07754534fbafa7e7e18e7272e552c166f1afae28, the 11.x/12.x script that
  warns about GF_INSTALL_PLUGINS): the image's ENTRYPOINT. It warns unless $GF_PATHS_DATA is writable,
  `mkdir "$GF_PATHS_PLUGINS"` when that directory is missing (our emptyDir over the data directory hides the
  image's), exits 1 when both `X` and `X__FILE` are set, `cat`s every `X__FILE` (`set -e`: a missing file
  stops it), and starts `grafana server` with `cfg:default.log.mode="console"` (so $GF_PATHS_LOGS is never
  written) and the GF_PATHS_* directories;
- Dockerfile (the ENV every version since 5.1 sets): GF_PATHS_CONFIG=/etc/grafana/grafana.ini,
  GF_PATHS_DATA=/var/lib/grafana, GF_PATHS_HOME=/usr/share/grafana, GF_PATHS_LOGS=/var/log/grafana,
  GF_PATHS_PLUGINS=/var/lib/grafana/plugins, GF_PATHS_PROVISIONING=/etc/grafana/provisioning; USER 472
  (numeric: any non-root runAsUser works once the data directory is a writable volume).
Grafana writes its database (grafana.db), sessions and plugins under GF_PATHS_DATA. `$__file{...}` in a
provisioning file is read when Grafana provisions: a missing file stops the provisioning, so Grafana.
Read in grafana/alerting (the notifiers Grafana 12 builds in), receivers/teams/config.go: the `teams`
integration's settings are `url` (required: "could not find url property in settings"), `message`,
`title` and `sectiontitle`.
"""

import re

import yaml
from upstream_images import (
    app_container,
    config_map,
    image_problems,
    mount_for,
    mounted_yaml,
    unwritable,
    volume,
)
from vault_agent_config import composed_from, destinations

IMAGE = "grafana/grafana:12.2.0"
IMAGE_USER = "472"
IMAGE_PATHS = {
    "GF_PATHS_CONFIG": "/etc/grafana/grafana.ini",
    "GF_PATHS_DATA": "/var/lib/grafana",
    "GF_PATHS_HOME": "/usr/share/grafana",
    "GF_PATHS_LOGS": "/var/log/grafana",
    "GF_PATHS_PLUGINS": "/var/lib/grafana/plugins",
    "GF_PATHS_PROVISIONING": "/etc/grafana/provisioning",
}
FILE_REFERENCE = re.compile(r"\$__file\{([^}]+)\}")
TEAMS_SETTINGS = {"url", "message", "title", "sectiontitle"}


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "grafana", IMAGE, IMAGE_USER) == []
    _, app = app_container(docs, "grafana")
    assert app["args"] == [] and "command" not in app  # run.sh is the entrypoint


def grafana(docs):
    spec, app = app_container(docs, "grafana")
    env = {e["name"]: e.get("value") for e in app.get("env", [])}
    return spec, app, env, {name: env.get(name, default) for name, default in IMAGE_PATHS.items()}


def rendered_secrets(docs, spec) -> set[str]:
    agent_files = config_map(docs, volume(spec, "vault-agent-config")["configMap"]["name"])["data"]
    return destinations(composed_from(agent_files, spec["serviceAccountName"]))


def test_what_run_sh_and_grafana_write_is_mounted(docs):
    spec, app, env, paths = grafana(docs)
    assert unwritable(spec, app, [paths["GF_PATHS_DATA"], paths["GF_PATHS_PLUGINS"]]) == []
    # run.sh forces console logging; a file mode would write GF_PATHS_LOGS under the read-only root
    assert "file" not in (env.get("GF_LOG_MODE") or "console")


def test_file_variables_are_exclusive_and_rendered_by_the_vault_agent(docs):
    spec, _, env, _ = grafana(docs)
    file_vars = {name.removesuffix("__FILE"): path for name, path in env.items() if name.endswith("__FILE")}
    assert set(file_vars) == {"GF_SECURITY_ADMIN_PASSWORD", "GF_SMTP_PASSWORD"}
    assert [name for name in file_vars if name in env] == [], "run.sh exits when both X and X__FILE are set"
    assert set(file_vars.values()) <= rendered_secrets(docs, spec)


def test_provisioning_reads_mounted_and_rendered_files(docs):
    spec, app, _, paths = grafana(docs)
    provisioning = {
        m["mountPath"] for m in app["volumeMounts"] if m["mountPath"].startswith(paths["GF_PATHS_PROVISIONING"])
    }
    assert provisioning == {f"{paths['GF_PATHS_PROVISIONING']}/{d}" for d in ("datasources", "dashboards", "alerting")}
    providers = mounted_yaml(docs, spec, app, f"{paths['GF_PATHS_PROVISIONING']}/dashboards/dashboards.yaml")
    for provider in providers["providers"]:
        assert mount_for(spec, app, provider["options"]["path"])["name"] == "dashboards"
    alerting = config_map(docs, volume(spec, "alerting")["configMap"]["name"])["data"]["alerting.yaml"]
    referenced = set(FILE_REFERENCE.findall(alerting))
    assert referenced == {"/vault/secrets/ALERT_EMAIL_TO", "/vault/secrets/TEAMS_WEBHOOK_URL"}
    assert referenced <= rendered_secrets(docs, spec)


def test_the_teams_contact_points_have_the_url_the_pinned_notifier_requires(docs):
    spec, _, _, _ = grafana(docs)
    alerting = yaml.safe_load(config_map(docs, volume(spec, "alerting")["configMap"]["name"])["data"]["alerting.yaml"])
    integrations = {point["name"]: sorted(r["type"] for r in point["receivers"]) for point in alerting["contactPoints"]}
    assert integrations == {"retail-oncall": ["email", "teams"], "retail-teams": ["teams"]}
    teams = [r["settings"] for p in alerting["contactPoints"] for r in p["receivers"] if r["type"] == "teams"]
    assert [set(s) - TEAMS_SETTINGS for s in teams] == [set(), set()]
    assert [s["url"] for s in teams] == ["$__file{/vault/secrets/TEAMS_WEBHOOK_URL}"] * 2
