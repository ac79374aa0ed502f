"""Start-up checks with ids `retail.E…`: bad configuration fails early with a message that says what to set."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from rest_framework_simplejwt import settings as simplejwt

from retail_common.auth.jwt_keys import InvalidKey, load_public_keys
from retail_common.config.retail_settings import unknown_retail_settings
from retail_common.config.secrets import resolve_secret


@register(Tags.security)
def check_jwt_verification_keys(app_configs=None, **kwargs):
    jwk_url = simplejwt.api_settings.JWK_URL
    if jwk_url:
        if not jwk_url.startswith(("http://", "https://")):
            return [Error("JWT_JWKS_URL (SIMPLE_JWT['JWK_URL']) must be an http(s) URL.", id="retail.E002")]
        return []
    try:
        load_public_keys(resolve_secret("JWT_PUBLIC_KEYS"))
    except ImproperlyConfigured as exc:
        return [
            Error(
                f"No JWT verification keys: {exc}",
                hint="Or set JWT_JWKS_URL to the users service's JWKS.",
                id="retail.E001",
            )
        ]
    except InvalidKey as exc:
        return [Error(f"JWT_PUBLIC_KEYS is unusable: {exc}.", id="retail.E003")]
    return []


@register()
def check_shared_cache(app_configs=None, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if "redis" not in backend.lower():
        return [
            Error(
                f"The default cache is {backend or 'not set'}; rate limits need the shared Redis.",
                hint="Set REDIS_URL and use retail_common.service_settings.cache_config().",
                id="retail.E004",
            )
        ]
    return []


@register()
def check_retail_setting_names(app_configs=None, **kwargs):
    return [
        Warning(f"RETAIL[{name!r}] is not a known retail_common setting.", id="retail.W001")
        for name in unknown_retail_settings()
    ]
