from django.conf import settings
from django.core.checks import Error, Tags, register

from retail_common.auth.jwt_keys import InvalidKey, load_private_key


@register(Tags.security)
def check_signing_key(app_configs=None, **kwargs):
    try:
        load_private_key(settings.SIMPLE_JWT["SIGNING_KEY"])
    except InvalidKey as exc:
        return [
            Error(
                f"JWT_PRIVATE_KEY is unusable: {exc}.",
                hint="Provide a 2048-bit or larger RSA key in PEM.",
                id="retail.E010",
            )
        ]
    return []
