"""Dev secrets, generated once under .retail/secrets/ (never committed).

No library needed: a few random values and a key pair (retail_common.auth.jwt_keys), written once with
owner-only permissions.
"""

import os
import secrets

from retail_dev.console import say
from retail_dev.paths import SECRETS_DIR


def _write(name: str, value: str) -> None:
    path = SECRETS_DIR / name
    path.write_text(value)
    path.chmod(0o600)


def ensure_dev_secrets() -> None:
    SECRETS_DIR.mkdir(parents=True, exist_ok=True)
    SECRETS_DIR.chmod(0o700)
    made = []
    if not (SECRETS_DIR / "DJANGO_SECRET_KEY").exists() and not os.environ.get("DJANGO_SECRET_KEY"):
        _write("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
        made.append("DJANGO_SECRET_KEY")
    if not (SECRETS_DIR / "JWT_PRIVATE_KEY").exists() and not os.environ.get("JWT_PRIVATE_KEY"):
        from retail_common.auth.jwt_keys import generate_key_pair

        private_pem, public_pem = generate_key_pair()
        _write("JWT_PRIVATE_KEY", private_pem)
        _write("JWT_PUBLIC_KEYS", public_pem)
        made += ["JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS"]
    if made:
        say(f"    secrets: generated {', '.join(made)} in {SECRETS_DIR}")
