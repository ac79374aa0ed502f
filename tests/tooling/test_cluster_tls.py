"""HTTPS at the gateway: the certificate `cluster up` makes (read back with cryptography) and the Secret it
applies, against the stand-ins of cluster_standin.py."""

import base64
import datetime as dt
import socket
import ssl
import threading

import pytest
import yaml
from cluster_fixture import CONTEXT, no_grafana_fixture, run, standin_fixture  # noqa: F401 (fixtures)
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from retail_dev.deploy import cluster_tls
from retail_dev.paths import ROOT

NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
HOSTS = ["localhost", "shop.retail.example"]


@pytest.fixture
def cert_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster_tls, "CERT_DIR", tmp_path / "tls")
    return tmp_path / "tls"


def test_the_certificate_names_the_hosts_serves_tls_and_is_self_signed():
    pem, _ = cluster_tls.make_certificate(HOSTS, NOW)
    cert = x509.load_pem_x509_certificate(pem)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == HOSTS
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and not usage.value.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH]
    )
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert cert.not_valid_before_utc == NOW - dt.timedelta(minutes=5)
    assert cert.not_valid_after_utc == NOW + dt.timedelta(days=365)
    assert cert.issuer == cert.subject
    cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))


@pytest.mark.parametrize("server_name", HOSTS)
def test_an_openssl_client_that_trusts_the_certificate_verifies_the_gateways_names(cert_dir, server_name):
    """The handshake a browser or curl --cacert makes: OpenSSL checks the chain, the name, the key usage."""
    cert_path, key_path = cluster_tls.ensure_certificate(HOSTS)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        accepted = threading.Thread(target=lambda: server.wrap_socket(listener.accept()[0], server_side=True).close())
        accepted.start()
        raw = socket.create_connection(listener.getsockname())
        with client.wrap_socket(raw, server_hostname=server_name) as tls:
            assert tls.getpeercert()["subjectAltName"][: len(HOSTS)] == tuple(("DNS", h) for h in HOSTS)
        accepted.join()


@pytest.mark.parametrize(
    ("overlay", "hosts"),
    [("dev", ["localhost"]), ("staging", ["localhost", "shop.staging.retail.example"]),
     ("prod", ["localhost", "shop.retail.example"])],
)  # fmt: skip
def test_the_hosts_are_localhost_and_the_overlays_gateway_hostname(overlay, hosts):
    assert cluster_tls.hostnames(overlay) == hosts


def test_a_valid_certificate_under_retail_is_reused(cert_dir):
    cert_path, key_path = cluster_tls.ensure_certificate(HOSTS, NOW)
    assert (cert_path, key_path) == (cert_dir / "gateway.crt", cert_dir / "gateway.key")
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"
    kept = cert_path.read_bytes(), key_path.read_bytes()
    cluster_tls.ensure_certificate(HOSTS, NOW + dt.timedelta(days=300))
    assert (cert_path.read_bytes(), key_path.read_bytes()) == kept


@pytest.mark.parametrize(
    ("why", "hosts", "later"),
    [("a host it does not name", [*HOSTS, "shop.staging.retail.example"], 0), ("fewer than 30 days left", HOSTS, 340)],
)
def test_a_certificate_that_no_longer_fits_is_made_anew(cert_dir, why, hosts, later):
    cert_path, _ = cluster_tls.ensure_certificate(HOSTS, NOW)
    first = cert_path.read_bytes()
    cluster_tls.ensure_certificate(hosts, NOW + dt.timedelta(days=later))
    assert cert_path.read_bytes() != first, why
    names = x509.load_pem_x509_certificate(cert_path.read_bytes()).extensions
    assert names.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == hosts


def test_a_key_that_is_not_the_certificates_is_replaced(cert_dir):
    cert_path, key_path = cluster_tls.ensure_certificate(HOSTS, NOW)
    _, other_key = cluster_tls.make_certificate(HOSTS, NOW)
    key_path.write_bytes(other_key)
    first = cert_path.read_bytes()
    cluster_tls.ensure_certificate(HOSTS, NOW)
    assert cert_path.read_bytes() != first


def test_up_stores_the_certificate_as_the_gateways_credential_secret(standin, tmp_path):
    assert run("up", overlay="prod") == 0
    secret = standin.state["secrets"]["istio-system/retail-gateway-tls"]
    assert secret["type"] == "kubernetes.io/tls"
    cert_dir = tmp_path / "tls"
    assert base64.b64decode(secret["data"]["tls.crt"]) == (cert_dir / "gateway.crt").read_bytes()
    assert base64.b64decode(secret["data"]["tls.key"]) == (cert_dir / "gateway.key").read_bytes()
    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == HOSTS
    gateway = next(yaml.safe_load_all((ROOT / "deploy/components/istio/gateway.yaml").read_text()))
    assert gateway["spec"]["servers"][1]["tls"]["credentialName"] == cluster_tls.SECRET
    applies = [c for c in standin.calls("kubectl") if c[3:] == ["apply", "-f", "-"] or "secret" in c]
    assert applies == [
        ["kubectl", *CONTEXT, "-n", "istio-system", "create", "secret", "tls", "retail-gateway-tls",
         f"--cert={cert_dir / 'gateway.crt'}", f"--key={cert_dir / 'gateway.key'}", "--dry-run=client", "-o", "yaml"],
        ["kubectl", *CONTEXT, "apply", "-f", "-"],
    ]  # fmt: skip
