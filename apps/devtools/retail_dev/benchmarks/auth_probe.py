"""In-process figures of the auth bench, run inside the users project: `python -m retail_dev.benchmarks.auth_probe`.

Prints one JSON object: token verification cost with the key cached, and the Argon2id parameters and cost.
"""

import json
import statistics
import time
import uuid

import django


def timed(fn, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        began = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - began) / 1e6)
    return samples


def main() -> None:
    django.setup()
    import jwt
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    from retail_common.auth.jwt_keys import key_id, load_private_key
    from retail_common.auth.jwt_verify import default_verifier, verify_access_token
    from retail_common.config.secrets import resolve_secret

    private = load_private_key(resolve_secret("JWT_PRIVATE_KEY"))
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "role": "CUSTOMER", "email": "bench@retail.test"}
    claims |= {"iss": settings.SIMPLE_JWT["ISSUER"], "aud": settings.SIMPLE_JWT["AUDIENCE"]}
    claims |= {"iat": now, "exp": now + 900, "jti": uuid.uuid4().hex}
    token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": key_id(private.public_key())})
    verify_access_token(token)  # builds the verifier and caches the key
    verify = timed(lambda: verify_access_token(token), 5000)
    # The same check without the verified-token cache: simplejwt decoding and the RS256 signature.
    signed = timed(lambda: default_verifier.get()._verify_signed(token), 500)

    hasher = get_hasher("default")
    encoded = make_password("Bench-Password-1")
    hash_ms = timed(lambda: make_password("Bench-Password-1"), 10)
    check_ms = timed(lambda: check_password("Bench-Password-1", encoded), 10)
    print(
        json.dumps(
            {
                "verify_median_ms": round(statistics.median(verify), 4),
                "verify_p99_ms": round(sorted(verify)[int(len(verify) * 0.99)], 4),
                "verify_uncached_median_ms": round(statistics.median(signed), 4),
                "argon2": {
                    "algorithm": hasher.algorithm,
                    "time_cost": hasher.time_cost,
                    "memory_cost_kib": hasher.memory_cost,
                    "parallelism": hasher.parallelism,
                    "hash_median_ms": round(statistics.median(hash_ms), 1),
                    "check_median_ms": round(statistics.median(check_ms), 1),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
