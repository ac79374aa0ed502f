"""Shop pages: home, catalog, product, picture, cart, checkout, orders. Thin: rules live in cart/checkout."""

from __future__ import annotations

import re

from backends import clients
from backends.http import BackendRejected, BackendUnavailable
from backends.orders import OutOfStock
from customers import session_auth
from customers.decorators import shopper_required
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from storefront_service.form_errors import add_backend_errors

from shop import checkout, order_state
from shop.cart import Cart, QuantityError
from shop.forms import CartLineForm, CheckoutForm, QuantityForm
from shop.home_row import home_row

SORT_LABELS = {"": "Best match", "newest": "Newest", "price": "Price: low to high", "-price": "Price: high to low"}
SORT_LABELS["name"] = "Name"
PAGE_SIZE = 12
# Inventory's slug field: a longer slug names no product, and its address may be too long to send on (414).
SLUG_MAX_LENGTH = 140
CATEGORY_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


@require_GET
def home(request):
    return render(request, "shop/home.html", {"trending": home_row(clients.inventory())})


@require_GET
def product_list(request):
    search = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()
    if category and not CATEGORY_SLUG.match(category):
        raise Http404("No such category.")
    sort = request.GET.get("sort", "")
    if sort not in SORT_LABELS:
        sort = ""
    page = _page_number(request)
    inventory = clients.inventory()
    try:
        result = inventory.products(search=search, category=category, sort=sort, page=page, page_size=PAGE_SIZE)
    except BackendRejected as exc:
        if exc.status == 404 and page > 1:  # past the last page: show the first rather than an error
            params = request.GET.copy()
            params["page"] = "1"
            return redirect(f"{request.path}?{params.urlencode()}")
        if exc.status == 404:
            raise Http404("No such products page.") from exc
        raise  # any other refusal: the 400 page with inventory's reason (shop.middleware)
    categories = {c.slug: c for c in inventory.categories()}
    if category and category not in categories:
        raise Http404("No such category.")
    context = {
        "result": result,
        "search": search,
        "category": categories.get(category),
        "categories": categories.values(),
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "query_without_page": _query_without(request, "page"),
    }
    return render(request, "shop/product_list.html", context)


def _query_without(request, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()


@require_GET
def product_detail(request, slug: str):
    _known_slug_length(slug)
    try:
        product = clients.inventory().product_page(slug)  # up to PRODUCT_FRESH_SECONDS old; the cart asks live
    except BackendRejected as exc:
        if exc.status == 404:
            raise Http404("No such product.") from exc
        raise
    in_cart = Cart(request.session).quantity_of(product.id)
    return render(request, "shop/product_detail.html", {"product": product, "form": QuantityForm(), "in_cart": in_cart})


def _known_slug_length(slug: str) -> None:
    if len(slug) > SLUG_MAX_LENGTH:
        raise Http404("No such product.")


PICTURE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,200}$")


@require_GET
def product_image(request, name: str):
    if not PICTURE_NAME.match(name) or ".." in name:  # only inventory's own media files, never a path out
        raise Http404("No such picture.")
    try:
        body, content_type = clients.inventory().image(name)
    except BackendRejected as exc:
        raise Http404("No such picture.") from exc
    except BackendUnavailable:
        return HttpResponse(status=503, headers={"Retry-After": "30"})
    if not content_type.startswith("image/"):
        raise Http404("No such picture.")
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"  # an SVG runs no script
    return response


def _product_or_404(product_id: int):
    try:
        return clients.inventory().product(product_id, stale_ok=False)  # the cart changes on today's stock
    except BackendRejected as exc:
        if exc.status == 404:
            raise Http404("No such product.") from exc
        raise


@require_POST
def cart_add(request, slug: str):
    _known_slug_length(slug)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a quantity from 1 to 99.")
        return redirect("product", slug=slug)
    product = _product_or_404(slug)
    try:
        quantity = Cart(request.session).add(product, form.cleaned_data["quantity"])
    except QuantityError as exc:
        messages.error(request, str(exc))
        return redirect("product", slug=slug)
    messages.success(request, f"Added {product.name} to your cart ({quantity} in cart).")
    return redirect("cart")


@require_POST
def cart_update(request):
    form = CartLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a quantity from 0 to 99.")
        return redirect("cart")
    cart = Cart(request.session)
    product = _product_or_404(form.cleaned_data["product_id"])
    try:
        cart.set(product, form.cleaned_data["quantity"])
    except QuantityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Updated {product.name}.")
    return redirect("cart")


@require_POST
def cart_remove(request):
    form = CartLineForm({"product_id": request.POST.get("product_id"), "quantity": 0})
    if form.is_valid():
        Cart(request.session).remove(form.cleaned_data["product_id"])
        messages.success(request, "Removed from your cart.")
    return redirect("cart")


def cart_view(request):
    cart = Cart(request.session)
    priced = cart.priced()
    for name in priced.removed:
        messages.warning(request, f"{name} is no longer sold and left your cart.")
    return render(request, "shop/cart.html", {"cart": priced})


@shopper_required
def checkout_view(request):
    session = request.session
    cart = Cart(session)
    if request.method == "POST":
        key = request.POST.get("idempotency_key", "")
        made = checkout.order_made_with(session, key)
        if made:  # a second submit of a form that already made its order
            return redirect("order", order_id=made)
        if not cart.items():
            messages.info(request, "Your cart is empty.")
            return redirect("cart")
        if not checkout.was_issued(session, key):  # an old form, or a key no render of ours wrote (hidden field)
            expired = "This checkout form has expired. Please check your details and place the order."
            return _checkout_page(request, _retry_form(request), status=400, note=expired)
        form = CheckoutForm(request.POST)
        if not form.is_valid():
            return _checkout_page(request, form, status=400)
        return _place(request, form, key)
    if not cart.items():
        messages.info(request, "Your cart is empty.")
        return redirect("cart")
    name = " ".join(filter(None, [request.shopper.first_name, request.shopper.last_name]))
    form = CheckoutForm(initial={"name": name, "country": "US", "idempotency_key": checkout.issue_key(session)})
    return _checkout_page(request, form)


def _place(request, form: CheckoutForm, key: str):
    unavailable = "Checkout is temporarily unavailable. Your cart is kept; please try again in a minute."
    try:
        order = checkout.place_order(
            request, key=key, address=form.address(), card_number=form.cleaned_data["card_number"]
        )
    except OutOfStock as exc:
        short = {line["product_id"]: line for line in exc.order.unavailable}
        return _checkout_page(request, _retry_form(request), status=409, short=short)
    except checkout.OrderNotPlaced:
        return _checkout_page(request, _retry_form(request), status=503, note=unavailable)
    except BackendUnavailable as exc:
        if exc.service != "orders":
            raise
        # Unknown outcome: the retry repeats this key, so orders answers with the order if it was made.
        retry = _retry_form(request, key=key if exc.ambiguous else None)
        return _checkout_page(request, retry, status=503, note=unavailable)
    except BackendRejected as exc:
        if exc.status in (401, 404):
            raise
        add_backend_errors(form, exc)
        return _checkout_page(request, form, status=400)
    messages.success(request, "Thank you! Your order is placed.")
    return redirect("order", order_id=order.id)


def _retry_form(request, *, key: str | None = None) -> CheckoutForm:
    """The shopper's address again, the card number left out (never echoed into a page), with a new
    idempotency key, or the same one when the last attempt's outcome is unknown."""
    initial = {name: request.POST.get(name, "") for name in CheckoutForm.ADDRESS_FIELDS}
    initial["idempotency_key"] = key or checkout.issue_key(request.session)
    return CheckoutForm(initial=initial)


def _checkout_page(request, form, *, status: int = 200, short: dict | None = None, note: str = ""):
    priced = Cart(request.session).priced()
    context = {"form": form, "cart": priced, "short": short or {}, "note": note}
    response = render(request, "shop/checkout.html", context, status=status)
    response["Cache-Control"] = "no-store"  # a page with an address and a card field stays out of caches
    return response


@shopper_required
def order_list(request):
    result = clients.orders().mine(session_auth.access_token(request), page=_page_number(request))
    return render(request, "shop/order_list.html", {"result": result})


def _order_page_context(request, order_id) -> dict:
    """The order, its payments, and the one state the page shows for both (shop/order_state.py)."""
    access = session_auth.access_token(request)
    order = clients.orders().get(access, str(order_id))
    try:
        payments = clients.payments().for_order(access, order.id)
    except BackendUnavailable:
        payments = None  # the page still shows the order; the payment box says it cannot be read now
    state = order_state.derive(order, payments)
    return {
        "order": order,
        "payments": payments,
        "state": state,
        "steps": order_state.timeline(order, state),
        "badges": [(p, order_state.payment_badge(p, state)) for p in payments or []],
        "settling": state.settling,
    }


@shopper_required
def order_detail(request, order_id):
    return render(request, "shop/order_detail.html", _order_page_context(request, order_id))


@shopper_required
@require_GET
def order_timeline(request, order_id):
    """The status box alone, for the page's refresh script."""
    response = render(request, "shop/_order_status.html", _order_page_context(request, order_id))
    response["Cache-Control"] = "no-store"
    return response


@shopper_required
def order_cancel(request, order_id):
    access = session_auth.access_token(request)
    orders = clients.orders()
    if request.method == "POST":
        try:
            orders.cancel(access, str(order_id))
        except BackendRejected as exc:
            if exc.status != 409:
                raise
            messages.error(request, "This order can no longer be cancelled.")
        else:
            messages.success(request, "Your order is cancelled. Any payment will be refunded.")
        return redirect("order", order_id=order_id)
    order = orders.get(access, str(order_id))
    if not order.cancellable:
        messages.error(request, "This order can no longer be cancelled.")
        return redirect("order", order_id=order_id)
    return render(request, "shop/order_cancel.html", {"order": order})
