"""grafana/promtail against its upstream image (issue 20, checks item 3).

Read in grafana/loki at tag v3.5.5 (5aa8bd27946a1ce5267790ebe9210f93cd7111b2):
- clients/cmd/promtail/Dockerfile: no USER (root: the node's pod logs belong to root), ENTRYPOINT
  `/usr/bin/promtail`, CMD `-config.file=/etc/promtail/config.yml` (our args replace the CMD);
- clients/cmd/promtail/main.go: `-config.expand-env` (an unset variable expands to nothing, so the node filter
  would keep no pod);
- clients/pkg/promtail/positions/positions.go: promtail writes its positions file (`positions.filename`,
  default /var/log/positions.yaml): it must be on a writable mount under our read-only root.
"""

import re

from upstream_images import app_container, app_with_config, flag_names, image_problems, mount_for, unwritable

IMAGE = "grafana/promtail:3.5.5"
VARIABLE = re.compile(r"\$\{(\w+)\}")


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "promtail", IMAGE, "root") == []


def test_the_flags_exist_in_the_pinned_version(docs):
    _, app = app_container(docs, "promtail")
    assert flag_names(app["args"]) == ["config.file", "config.expand-env"]


def test_the_positions_file_is_on_a_writable_mount(docs):
    spec, app, config = app_with_config(docs, "promtail", "config.file")
    assert unwritable(spec, app, [config["positions"]["filename"]]) == []


def test_every_expanded_variable_is_set(docs):
    _, app, config = app_with_config(docs, "promtail", "config.file")
    env = {e["name"] for e in app.get("env", [])}
    used = {
        v for job in config["scrape_configs"] for rule in job["relabel_configs"] for v in VARIABLE.findall(str(rule))
    }
    assert used == {"HOSTNAME"} and used <= env


def test_it_reads_the_pod_logs_and_the_api_it_discovers_them_with(docs):
    spec, app, config = app_with_config(docs, "promtail", "config.file")
    paths = {
        rule["replacement"]
        for job in config["scrape_configs"]
        for rule in job["relabel_configs"]
        if rule.get("target_label") == "__path__"
    }
    assert paths == {"/var/log/pods/*$1/*.log"}
    assert mount_for(spec, app, "/var/log/pods/x/app/0.log")["name"] == "pods"
    assert spec["automountServiceAccountToken"] is True  # kubernetes_sd reads the ServiceAccount token
    assert spec["securityContext"]["runAsUser"] == 0  # the image's own user: the log files belong to root
