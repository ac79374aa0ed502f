import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inventory_service.settings")
application = get_wsgi_application()

from retail_common.events.kafka import producer_warm_up  # noqa: E402

# The idempotent producer needs ~0.5 s to get its id; start it before the first request publishes.
producer_warm_up()

from catalog.cache_warmer import warm_at_start  # noqa: E402

# The seed's CacheWarmer: the first worker of this start warms the catalog cache, in the background.
warm_at_start()
