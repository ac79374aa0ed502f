"""Prometheus and Alertmanager started with the manifests' own configuration (issue 20, checks item 3).

The binaries are Debian's (`prometheus` 2.42, `prometheus-alertmanager` 0.25 on bookworm); the images pin
Prometheus v3.6.0 and Alertmanager v0.28.1. What the older binaries cannot read is changed here, each
change said where it is made, and the pinned version's rule for it is tested in tests/deploy/test_upstream_*.py:
- Debian builds Prometheus without Kubernetes service discovery (deploy/README.md, Observability): each
  job's `kubernetes_sd_configs` becomes one static target that nothing answers (its relabelling, TLS and
  authorization are still read and applied), and the ServiceAccount's token and CA are files of the
  scratch directory, so the scrape pools build their TLS clients as in the pod; the discovery keys are
  checked against v3.6.0 in tests/deploy/test_upstream_prometheus.py;
- Alertmanager's `msteams_configs` exist since v0.26.0 (config/notifiers.go, MSTeamsConfig): for an
  older binary each becomes a webhook whose `url` is the content of its `webhook_url_file`
  (tests/deploy/test_upstream_alertmanager.py holds the Teams keys against v0.28.1);
- the files the Vault agent renders into /vault/secrets are written, under the same names, to a scratch
  directory, and the paths point there;
- each process listens on a free loopback port, and Alertmanager runs without its gossip listener (9094 in
  the pod) so that parallel runs on one machine do not collide.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from retail_dev.netutil import free_port, http_ok
from retail_dev.paths import ROOT
from retail_dev.testing import poll

from .conftest import required_binary

CONFIG = ROOT / "deploy" / "components" / "observability" / "config"
RULE_FILES = ("retail-records.yaml", "retail-alerts.yaml")  # the prometheus-rules ConfigMap
SECRETS_MOUNT = "/vault/secrets"
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
DEV_SECRETS = {"SMTP_PASSWORD": "dev-smtp-password", "TEAMS_WEBHOOK_URL": "https://example.webhook.office.com/dev"}
ALERTMANAGER_HINT = "apt-get install --no-install-recommends prometheus-alertmanager"
MSTEAMS_SINCE = (0, 26)


@contextlib.contextmanager
def running(command: list[str], ready_url: str, log: Path):
    """The process, once `ready_url` answers 200 (its log is shown if it never does); stopped afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        name = Path(command[0]).name
        exited, ready = poll(
            lambda: (process.poll(), http_ok(ready_url)),
            until=lambda s: s[0] is not None or s[1],
            message=lambda: f"{name} ready ({ready_url}); its log:\n{log.read_text()[-3000:]}\n",
        )
        if not ready:
            pytest.fail(f"{name} exited with {exited} ({ready_url}):\n{log.read_text()[-3000:]}")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def version(binary: str) -> tuple[int, int]:
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    major, minor = re.search(r"version (\d+)\.(\d+)", output.stdout + output.stderr).groups()
    return int(major), int(minor)


def alertmanager_config(secrets: Path, binary_version: tuple[int, int]) -> dict:
    """Our alertmanager.yml with the Vault paths in `secrets` (Teams as webhooks for a binary without them)."""
    config = yaml.safe_load((CONFIG / "alertmanager.yml").read_text().replace(SECRETS_MOUNT, str(secrets)))
    if binary_version < MSTEAMS_SINCE:
        for receiver in config["receivers"]:
            teams = receiver.pop("msteams_configs", [])
            receiver.setdefault("webhook_configs", [])
            receiver["webhook_configs"] += [
                {"url": Path(t["webhook_url_file"]).read_text(), "send_resolved": t["send_resolved"]} for t in teams
            ]
    return config


def test_alertmanager_starts_with_our_configuration_and_serves_our_receivers(tmp_path):
    binary = required_binary("prometheus-alertmanager", ALERTMANAGER_HINT)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name, value in DEV_SECRETS.items():
        (secrets / name).write_text(value)  # the agent renders the value alone, no newline
    config = alertmanager_config(secrets, version(binary))
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    url = f"http://127.0.0.1:{free_port()}"
    command = [binary, f"--config.file={tmp_path / 'alertmanager.yml'}", f"--storage.path={tmp_path / 'data'}"]
    command += [f"--web.listen-address={url.removeprefix('http://')}", "--cluster.listen-address="]
    with running(command, f"{url}/-/ready", tmp_path / "alertmanager.log"):
        status = get_json(f"{url}/api/v2/status")
        receivers = get_json(f"{url}/api/v2/receivers")
    loaded = yaml.safe_load(status["config"]["original"])
    assert sorted(r["name"] for r in receivers) == ["email-and-teams", "teams"]
    assert [r["name"] for r in loaded["receivers"]] == ["email-and-teams", "teams"]
    assert loaded["route"]["receiver"] == "teams"
    assert [(r["receiver"], r["repeat_interval"]) for r in loaded["route"]["routes"]] == [
        ("email-and-teams", "4h"),
        ("teams", "12h"),
    ]
    assert [c["to"] for c in loaded["receivers"][0]["email_configs"]] == ["oncall@retail.example"]
    assert loaded["global"]["smtp_auth_password_file"] == str(secrets / "SMTP_PASSWORD")


def prometheus_config(rules: Path, service_account: Path) -> dict:
    """Our prometheus.yml, its rule glob pointing at `rules`, Kubernetes discovery replaced (see above)."""
    text = (CONFIG / "prometheus.yml").read_text().replace(SERVICE_ACCOUNT_DIR, str(service_account))
    config = yaml.safe_load(text)
    (pattern,) = config["rule_files"]
    config["rule_files"] = [str(rules / Path(pattern).name)]
    for job in config["scrape_configs"]:
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["static_configs"] = [{"targets": [f"127.0.0.1:{free_port()}"]}]
    return config


def service_account_files(directory: Path) -> Path:
    """A token and a self-signed CA certificate where the pod has its ServiceAccount's."""
    directory.mkdir()
    (directory / "token").write_text("not-a-token")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / "ca.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return directory


def test_prometheus_starts_with_our_configuration_and_loads_every_rule(tmp_path, prometheus_installed):
    rules = tmp_path / "rules"
    rules.mkdir()
    expected = {}
    for name in RULE_FILES:
        (rules / name).write_text((CONFIG / name).read_text())
        for group in yaml.safe_load((CONFIG / name).read_text())["groups"]:
            expected[(str(rules / name), group["name"])] = len(group["rules"])
    config = prometheus_config(rules, service_account_files(tmp_path / "serviceaccount"))
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    url = f"http://127.0.0.1:{free_port()}"
    command = [prometheus_installed, f"--config.file={tmp_path / 'prometheus.yml'}"]
    command += [f"--storage.tsdb.path={tmp_path / 'data'}", "--storage.tsdb.retention.time=7d"]
    command += [f"--web.listen-address={url.removeprefix('http://')}"]
    with running(command, f"{url}/-/ready", tmp_path / "prometheus.log"):
        groups = get_json(f"{url}/api/v1/rules")["data"]["groups"]
        loaded_config = yaml.safe_load(get_json(f"{url}/api/v1/status/config")["data"]["yaml"])
    jobs = ["retail-app", "exporters", "dragonfly", "prometheus", "alertmanager", "kubelet-cadvisor", "kubelet"]
    assert [job["job_name"] for job in loaded_config["scrape_configs"]] == jobs
    loaded = {(g["file"], g["name"]): len(g["rules"]) for g in groups}
    assert loaded == expected
    assert sum(loaded.values()) > 0
