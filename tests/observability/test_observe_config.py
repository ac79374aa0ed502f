"""The configuration `dev --observe` and the e2e test give Prometheus: valid for promtool, with the
project's rule files (their `for:` shortened only when asked) and the service/role target labels."""

import subprocess

import yaml

from retail_dev.observe import prometheus_config, rule_files, rules_copy

TARGETS = [
    ("orders", "web", "127.0.0.1:8003", "/metrics"),
    ("orders", "sweeper", "127.0.0.1:40001", "/metrics"),
    ("inventory", "grpc", "127.0.0.1:40002", "/metrics"),
]


def test_the_generated_configuration_passes_promtool_with_the_projects_rules(tmp_path, promtool):
    rules = rules_copy(tmp_path / "rules")
    assert [copy.name.split("-", 1)[1] for copy in rules] == [source.name for source in rule_files()]
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(TARGETS, rules)))
    result = subprocess.run([promtool, "check", "config", str(config)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_targets_carry_the_service_and_role_labels_the_rules_group_by():
    config = prometheus_config(TARGETS, [], interval="1s")
    assert config["global"]["scrape_interval"] == "1s"
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert [(c["labels"]["service"], c["labels"]["role"], c["targets"]) for c in job["static_configs"]] == [
        ("orders", "web", ["127.0.0.1:8003"]),
        ("orders", "sweeper", ["127.0.0.1:40001"]),
        ("inventory", "grpc", ["127.0.0.1:40002"]),
    ]


def test_only_the_tests_copies_have_their_for_durations_shortened(tmp_path):
    source = tmp_path / "alerts.yaml"
    source.write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "name": "g",
                        "rules": [
                            {"alert": "A", "expr": "up == 0", "for": "10m"},
                            {"record": "job:up:sum", "expr": "sum(up)"},
                        ],
                    }
                ]
            }
        )
    )
    [kept] = rules_copy(tmp_path / "kept", sources=[source])
    [short] = rules_copy(tmp_path / "short", for_duration="0s", sources=[source])
    assert yaml.safe_load(kept.read_text())["groups"][0]["rules"][0]["for"] == "10m"
    shortened = yaml.safe_load(short.read_text())["groups"][0]["rules"]
    assert shortened == [{"alert": "A", "expr": "up == 0", "for": "0s"}, {"record": "job:up:sum", "expr": "sum(up)"}]
    assert yaml.safe_load(source.read_text())["groups"][0]["rules"][0]["for"] == "10m"


def test_dev_observe_without_the_binary_says_how_to_install_it_and_carries_on(monkeypatch, capsys):
    from retail_dev.commands import dev

    monkeypatch.setattr(dev, "prometheus_binary", lambda: None)
    assert dev.start_prometheus(TARGETS) is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "apt-get install --no-install-recommends prometheus" in out
