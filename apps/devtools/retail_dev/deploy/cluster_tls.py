"""The ingress gateway's certificate: self-signed for localhost and the overlay's hostname, made by `cluster up`.

Kept under .retail/tls/ and reused while it is valid for 30 more days and names every host the overlay's
Gateway serves; stored as the Secret the Gateway's HTTPS server names (credentialName), in the namespace
of the gateway's pods (istio-system), where Istio looks for it. A real certificate: deploy/README.md, "HTTPS".

The certificate is made with `cryptography`; what no library decides is when ours must be renewed and
where Istio wants it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from retail_dev.console import say, step
from retail_dev.deploy import render
from retail_dev.deploy.cluster_steps import kubectl
from retail_dev.paths import RETAIL_DIR

CERT_DIR = RETAIL_DIR / "tls"
SECRET = "retail-gateway-tls"  # the Gateway's credentialName (deploy/components/istio/gateway.yaml)
GATEWAY_NAMESPACE = "istio-system"
VALID_DAYS = 365
RENEW_DAYS = 30  # a certificate closer than this to its end is made anew


def hostnames(overlay: str) -> list[str]:
    """localhost (kind's port mappings) and every host the overlay's Gateway names ("*" is no name)."""
    gateway = next(d for d in render.load(render.render(overlay)) if d["kind"] == "Gateway")
    named = {h for server in gateway["spec"]["servers"] for h in server["hosts"] if h != "*"}
    return ["localhost", *sorted(named)]


def paths() -> tuple[Path, Path]:
    return CERT_DIR / "gateway.crt", CERT_DIR / "gateway.key"


def make_certificate(hosts: list[str], now: dt.datetime) -> tuple[bytes, bytes]:
    """A self-signed server certificate (PEM) for `hosts` and 127.0.0.1, and its key (PEM, P-256)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    names = [x509.DNSName(h) for h in hosts] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    usage = x509.KeyUsage(
        digital_signature=True, key_encipherment=False, content_commitment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
    )  # fmt: skip
    extensions = (
        (x509.SubjectAlternativeName(names), False),
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (usage, True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
    )
    builder = x509.CertificateBuilder(
        issuer_name=name, subject_name=name, public_key=key.public_key(), serial_number=x509.random_serial_number(),
        not_valid_before=now - dt.timedelta(minutes=5),  # a node clock slightly behind still accepts it
        not_valid_after=now + dt.timedelta(days=VALID_DAYS),
    )  # fmt: skip
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    certificate = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def public_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def reusable(cert_path: Path, key_path: Path, hosts: list[str], now: dt.datetime) -> bool:
    """The kept certificate names every host, lasts RENEW_DAYS more, and the kept key is its key."""
    if not (cert_path.exists() and key_path.exists()):
        return False
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    same_key = public_der(key.public_key()) == public_der(certificate.public_key())
    lasts = certificate.not_valid_after_utc - now >= dt.timedelta(days=RENEW_DAYS)
    return same_key and lasts and set(hosts) <= set(names.get_values_for_type(x509.DNSName))


def ensure_certificate(hosts: list[str], now: dt.datetime | None = None) -> tuple[Path, Path]:
    now = now or dt.datetime.now(dt.UTC)
    cert_path, key_path = paths()
    if reusable(cert_path, key_path, hosts, now):
        say(f"    keeping {cert_path} ({', '.join(hosts)})")
        return cert_path, key_path
    CERT_DIR.mkdir(parents=True, exist_ok=True)
    certificate, key = make_certificate(hosts, now)
    key_path.touch(mode=0o600)
    key_path.write_bytes(key)
    cert_path.write_bytes(certificate)
    say(f"    made a self-signed certificate for {', '.join(hosts)}: {cert_path}")
    return cert_path, key_path


def store_secret(cert_path: Path, key_path: Path) -> None:
    """create --dry-run | apply: the same command creates the Secret or replaces its certificate."""
    manifest = kubectl(
        "-n", GATEWAY_NAMESPACE, "create", "secret", "tls", SECRET, f"--cert={cert_path}", f"--key={key_path}",
        "--dry-run=client", "-o", "yaml", capture=True,
    )  # fmt: skip
    kubectl("apply", "-f", "-", input=manifest, capture=True)


def install(overlay: str) -> None:
    step(f"HTTPS at the gateway: certificate and Secret {GATEWAY_NAMESPACE}/{SECRET}")
    store_secret(*ensure_certificate(hostnames(overlay)))
