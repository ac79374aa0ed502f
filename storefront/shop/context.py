"""What every page's layout needs: the shopper, the cart count, the categories menu, degraded notices."""

from backends import clients
from backends.http import BackendUnavailable
from backends.stale_cache import degraded_services

from shop.cart import Cart
from shop.middleware import FRIENDLY_NAMES


def _categories():
    try:
        return clients.inventory().categories()
    except BackendUnavailable:
        return []


def storefront(request):
    has_session = hasattr(request, "session")
    return {
        "shopper": getattr(request, "shopper", None),
        "cart_count": Cart(request.session).count if has_session else 0,
        "nav_categories": _categories,  # called by the template only where it is shown
        "degraded": lambda: sorted(FRIENDLY_NAMES.get(s, s) for s in degraded_services()),
    }
