"""prom/alertmanager against its upstream image (issue 20, checks item 3).

Read in prometheus/alertmanager at tag v0.28.1 (b2099eaa2c9ebc25edb26517cb9c732738e93910):
- Dockerfile: `USER nobody` (a name: with runAsNonRoot the kubelet needs a numeric runAsUser),
  `WORKDIR /alertmanager`, `VOLUME ["/alertmanager"]`, CMD `--config.file=... --storage.path=/alertmanager`
  (our args replace the CMD); the notification log and the silences are written under --storage.path;
- cmd/alertmanager/main.go: its flags (ALERTMANAGER_FLAGS; log.* from prometheus/common's promslog/flag,
  web.listen-address and web.config.file from prometheus/exporter-toolkit);
- config/config.go (Config, GlobalConfig, Route, InhibitRule, Receiver) and config/notifiers.go (EmailConfig,
  WebhookConfig, MSTeamsConfig, NotifierConfig): the keys of each section. The configuration is parsed
  strictly, so an unknown key stops it. MSTeamsConfig's UnmarshalYAML wants exactly one of `webhook_url`
  and `webhook_url_file`. `msteams_configs` exist since v0.26.0: Debian's 0.25 cannot read them, so
  tests/observability/test_upstream_binaries.py and tests/deploy/test_deploy_alert_routing.py give it a
  copy with webhooks in their place, and this test holds the keys against the pinned version.
Every `*_file` it reads is a file the pod's Vault agent renders.
"""

import posixpath

from upstream_images import (
    app_container,
    app_with_config,
    arg_value,
    config_map,
    flag_names,
    image_problems,
    names,
    unwritable,
    volume,
)
from vault_agent_config import composed_from, destinations

IMAGE = "prom/alertmanager:v0.28.1"
IMAGE_USER = "nobody"
ALERTMANAGER_FLAGS = names(
    "alerts.gc-interval auto-gomemlimit.ratio cluster.advertise-address cluster.allow-insecure-public- "
    "advertise-address-discovery cluster.gossip-interval cluster.label cluster.listen-address cluster.peer "
    "cluster.peer-timeout cluster.probe-interval cluster.probe-timeout cluster.pushpull-interval "
    "cluster.reconnect-interval cluster.reconnect-timeout cluster.settle-timeout cluster.tcp-timeout "
    "cluster.tls-config config.file data.maintenance-interval data.retention enable-feature silences.max- "
    "silence-size-bytes silences.max-silences storage.path web.external-url web.get-concurrency web.route- "
    "prefix web.timeout log.level log.format web.listen-address web.config.file"
)
SECTION_KEYS = {
    "": "global route inhibit_rules receivers templates mute_time_intervals time_intervals",
    "global": "resolve_timeout http_config jira_api_url smtp_from smtp_hello smtp_smarthost smtp_auth_username "
    "smtp_auth_password smtp_auth_password_file smtp_auth_secret smtp_auth_identity smtp_require_tls "
    "smtp_tls_config slack_api_url slack_api_url_file pagerduty_url opsgenie_api_url opsgenie_api_key "
    "opsgenie_api_key_file wechat_api_url wechat_api_secret wechat_api_corp_id victorops_api_url victorops_api_key "
    "victorops_api_key_file telegram_api_url webex_api_url rocketchat_api_url rocketchat_token rocketchat_token_file "
    "rocketchat_token_id rocketchat_token_id_file",
    "route": "receiver group_by match match_re matchers mute_time_intervals active_time_intervals continue routes "
    "group_wait group_interval repeat_interval",
    "inhibit_rules": "source_match source_match_re source_matchers target_match target_match_re target_matchers equal",
    "receivers": "name discord_configs email_configs pagerduty_configs slack_configs webhook_configs opsgenie_configs "
    "wechat_configs pushover_configs victorops_configs sns_configs telegram_configs webex_configs msteams_configs "
    "msteamsv2_configs jira_configs rocketchat_configs",
    "email_configs": "send_resolved to from hello smarthost auth_username auth_password auth_password_file "
    "auth_secret auth_identity headers html text require_tls tls_config",
    "webhook_configs": "send_resolved http_config url url_file max_alerts timeout",
    "msteams_configs": "send_resolved http_config webhook_url webhook_url_file title summary text",
}
NOTIFIERS = ("email_configs", "webhook_configs", "msteams_configs")
KNOWN = {section: set(keys.split()) for section, keys in SECTION_KEYS.items()}


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "alertmanager", IMAGE, IMAGE_USER) == []


def unknown_keys(config: dict) -> list[str]:
    """Keys the pinned version does not know, by section (routes nest, receivers hold notifier lists)."""
    unknown = [f"{k}" for k in config if k not in KNOWN[""]]
    unknown += [f"global.{k}" for k in config.get("global", {}) if k not in KNOWN["global"]]
    routes = [config["route"]]
    while routes:
        route = routes.pop()
        unknown += [f"route.{k}" for k in route if k not in KNOWN["route"]]
        routes += route.get("routes", [])
    unknown += [
        f"inhibit_rules.{k}"
        for rule in config.get("inhibit_rules", [])
        for k in rule
        if k not in KNOWN["inhibit_rules"]
    ]
    for receiver in config["receivers"]:
        unknown += [f"receivers.{k}" for k in receiver if k not in KNOWN["receivers"]]
        for kind in NOTIFIERS:
            unknown += [f"{kind}.{k}" for c in receiver.get(kind, []) for k in c if k not in KNOWN[kind]]
        unknown += [f"receivers.{k} (add its keys here)" for k in receiver if k.endswith("_configs") and k not in KNOWN]
    return unknown


def files_read(config: dict) -> set[str]:
    found = {v for k, v in config.get("global", {}).items() if k.endswith("_file")}
    for receiver in config["receivers"]:
        found |= {v for kind in NOTIFIERS for c in receiver.get(kind, []) for k, v in c.items() if k.endswith("_file")}
    return found


def test_every_flag_exists_in_the_pinned_version(docs):
    _, app = app_container(docs, "alertmanager")
    assert [f for f in flag_names(app["args"]) if f not in ALERTMANAGER_FLAGS] == []
    assert flag_names(app["args"]) == ["config.file", "storage.path"]


def test_every_config_key_exists_in_the_pinned_version(docs):
    _, _, config = app_with_config(docs, "alertmanager", "config.file")
    assert unknown_keys(config) == []


def test_the_key_check_refuses_a_key_of_another_version():
    config = {"route": {"receiver": "x", "routes": [{"receiver": "x", "matcher": "a"}]}}
    config["receivers"] = [{"name": "x", "webhook_configs": [{"url_file": "/f", "urls": []}]}]
    config["receivers"][0]["msteams_configs"] = [{"webhook_url_file": "/f", "url_file": "/f"}]
    assert unknown_keys(config) == ["route.matcher", "webhook_configs.urls", "msteams_configs.url_file"]


def test_each_teams_receiver_names_exactly_one_url_source(docs):
    """MSTeamsConfig.UnmarshalYAML: one of webhook_url and webhook_url_file, never both."""
    _, _, config = app_with_config(docs, "alertmanager", "config.file")
    teams = [c for r in config["receivers"] for c in r.get("msteams_configs", [])]
    assert teams and [{"webhook_url", "webhook_url_file"} & set(c) for c in teams] == [{"webhook_url_file"}] * 2


def test_the_storage_path_is_a_writable_mount(docs):
    spec, app = app_container(docs, "alertmanager")
    assert unwritable(spec, app, [arg_value(app["args"], "storage.path")]) == []


def test_every_file_it_reads_is_rendered_by_its_vault_agent(docs):
    spec, app, config = app_with_config(docs, "alertmanager", "config.file")
    read = files_read(config)
    assert read == {"/vault/secrets/SMTP_PASSWORD", "/vault/secrets/TEAMS_WEBHOOK_URL"}
    agent_files = config_map(docs, volume(spec, "vault-agent-config")["configMap"]["name"])["data"]
    assert read <= destinations(composed_from(agent_files, spec["serviceAccountName"]))
    mounts = {m["mountPath"] for m in app["volumeMounts"]}
    assert {posixpath.dirname(p) for p in read} <= mounts
