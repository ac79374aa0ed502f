"""Bad input on every page (issue 12): NUL bytes and control characters in the path, query, cookies and
headers, over-long addresses, a backend's refusal no view expected. Each defect the fuzzing found has a
test here; the last test is the property test over every page."""

import threading
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from backends.http import BackendRejected
from django.conf import settings as django_settings
from django.http import parse_cookie
from django.test import Client, RequestFactory
from hypothesis import event, given
from hypothesis import strategies as st
from storefront_service.request_guard import UNREADABLE, UNREADABLE_IN_HEADER

from conftest import new_product
from shop.middleware import BackendFailureMiddleware
from shop.tests.fuzz_inputs import NASTY, assert_no_server_error, bounded, field
from shop.tests.fuzz_inputs import form_body as query_string

pytestmark = pytest.mark.django_db

SESSION = django_settings.SESSION_COOKIE_NAME


def bad_request_detail(response) -> str:
    assert response.status_code == 400, response.status_code
    html = response.content.decode()
    assert "That request did not make sense" in html
    return html.split('<p class="error-page__detail">', 1)[1].split("</p>", 1)[0]


def test_a_search_with_a_nul_byte_is_a_400_that_says_why(client, stack):
    response = client.get("/products/", QUERY_STRING="q=a%00b")

    detail = bad_request_detail(response)
    assert detail == (
        "The search or filter “q” contains a control character (such as a NUL byte). Remove it and try again."
    )
    assert 'role="search"' in response.content.decode(), "the page offers a new search"


def test_a_nul_byte_in_the_path_or_a_filter_is_a_400(client, stack):
    assert "page address" in bad_request_detail(client.get("/products/a%00b/"))
    assert "“category”" in bad_request_detail(client.get("/products/", QUERY_STRING="category=%00"))
    assert "a parameter" in bad_request_detail(client.get("/cart/", QUERY_STRING="%00=1")), "a name is not echoed"


def test_a_line_break_in_the_request_id_header_is_a_400_not_a_500(client, stack):
    """It was echoed into the response's X-Request-ID header: BadHeaderError, a 500."""
    response = client.get("/", HTTP_X_REQUEST_ID="abc\n")

    assert bad_request_detail(response) == "The request header X-Request-Id contains a control character."
    assert client.get("/", HTTP_X_REQUEST_ID="abc").status_code == 200


def test_a_control_character_in_a_cookie_the_shop_never_reads_is_no_concern(client, stack):
    response = client.get("/cart/", HTTP_COOKIE="other_app=a\x00\nb; csrftoken=")

    assert response.status_code == 200


def test_a_nul_byte_in_the_session_cookie_is_a_400_that_clears_it(stack):
    browser = Client()
    browser.cookies[SESSION] = "abc\x00def"

    response = browser.get("/cart/")

    assert "damaged cookie" in bad_request_detail(response)
    assert response.cookies[SESSION].value == ""
    assert response.cookies[SESSION]["max-age"] == 0
    assert browser.get("/cart/").status_code == 200, "the next request goes through"


def test_an_over_long_product_address_is_a_404_without_a_backend_call(client, stack):
    """Inventory's server refused the address as too long (414), which no view expected: a 500."""
    product = new_product(stack, on_hand=5)
    long_slug = "a" * 5000

    page = client.get(f"/products/{long_slug}/")
    add = client.post(f"/products/{long_slug}/add/", {"quantity": 1})

    assert page.status_code == 404
    assert add.status_code == 404
    assert "cart" not in client.session
    assert client.get(f"/products/{product['slug']}/").status_code == 200


def test_a_refusal_no_view_expected_is_the_400_page_with_the_backends_reason(client, stack):
    request = RequestFactory().get("/products/x/")
    refused = BackendRejected("inventory", 414, None, {})
    limited = BackendRejected("orders", 429, {"detail": "Slow down."}, {"Retry-After": "7"})

    too_long = BackendFailureMiddleware(lambda r: None).process_exception(request, refused)
    too_many = BackendFailureMiddleware(lambda r: None).process_exception(request, limited)

    assert too_long.status_code == 414
    assert "The catalog could not handle this request (414: request refused)." in too_long.content.decode()
    assert too_many.status_code == 429
    assert too_many["Retry-After"] == "7"
    assert "Ordering could not handle this request (429: Slow down.)." in too_many.content.decode()


def test_a_fifty_first_product_is_refused_and_the_cart_unchanged(client, stack):
    """Orders refuses an order of more than 50 lines: the cart says so when the product is added."""
    session = client.session
    session["cart"] = {str(10**9 + n): 1 for n in range(50)}
    session.save()
    product = new_product(stack, on_hand=5)

    response = client.post(f"/products/{product['slug']}/add/", {"quantity": 1}, follow=True)

    assert "Your cart holds at most 50 products: check out or remove one first." in response.content.decode()
    assert len(client.session["cart"]) == 50
    assert str(product["id"]) not in client.session["cart"]


def test_a_password_longer_than_accounts_allow_is_refused_next_to_the_field(client, stack):
    response = client.post("/login/", {"email": "someone@retail.test", "password": "p" * 129})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "password": ["Ensure this value has at most 128 characters (it has 129)."]
    }


def test_a_checkout_form_with_a_key_no_page_issued_has_expired(client, shopper, stack):
    """A NUL or over-long hidden key failed the form on a field the shopper cannot see: no visible error."""
    product = new_product(stack, on_hand=5)
    client.post(f"/products/{product['slug']}/add/", {"quantity": 1})
    form = {"name": "Ada", "line1": "1 Market St", "city": "Springfield", "postal_code": "12345", "country": "US"}

    for key in ("\x00", "k" * 65, ""):
        response = client.post("/checkout/", {**form, "card_number": "4242424242424242", "idempotency_key": key})

        assert response.status_code == 400
        assert "This checkout form has expired." in response.content.decode()
        assert response.context["form"]["name"].value() == "Ada", "what the shopper typed is kept"
    assert client.session["cart"] == {str(product["id"]): 1}


@pytest.fixture
def recording_backend():
    """A local HTTP server that answers every request 503 (a backend down) and records what was asked."""
    asked = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def test_a_topic_filter_that_is_no_topic_name_is_refused_at_the_field_and_asks_no_service(
    staff_client, settings, recording_backend
):
    url, asked = recording_backend
    settings.STOREFRONT_BACKENDS = dict.fromkeys(("users", "inventory", "orders", "payments"), url)

    response = staff_client.get("/ops/failed-events/", {"topic": "order created"})

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<p class="field__error" id="f-topic_error">'
        "A topic name has only letters, digits, dots, dashes and underscores.</p>"
    ) in html
    assert 'value="order created"' in html
    assert "Could not read failed events" not in html and "No failed events" not in html
    assert set(asked) <= {"/api/categories"}, f"only the page's category menu may ask inventory: {asked}"


PAGES = (
    "/",
    "/products/",
    "/products/{segment}/",
    "/images/{segment}",
    "/cart/",
    "/checkout/",
    "/orders/",
    "/orders/00000000-0000-4000-8000-000000000000/",
    "/login/",
    "/register/",
    "/account/",
    "/ops/",
    "/ops/failed-events/",
    "/{segment}/",
)
HEADERS = (
    "HTTP_X_REQUEST_ID",
    "HTTP_USER_AGENT",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_REFERER",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_ORIGIN",
    "HTTP_HOST",
    "CONTENT_TYPE",
)
# All a WSGI server hands over: latin-1 text (a duplicated header arrives joined with a comma).
latin1 = st.one_of(
    st.sampled_from([v for v in NASTY if v.isascii()] + ["a, b", "testserver, evil.example", "\xff\xfe"]),
    st.text(alphabet=st.characters(max_codepoint=255), max_size=60),
)


def received(value: str) -> str:
    """A path or query value as the shop decodes it (invalid UTF-8 from a lone surrogate is replaced)."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


@given(
    page=st.sampled_from(PAGES),
    segment=field("kitchen", "e2e-missing"),
    query=st.lists(st.tuples(field("q", "page", "sort", "category", "status", "topic", "next"), field()), max_size=3),
    header=st.one_of(st.none(), st.tuples(st.sampled_from(HEADERS), latin1)),
    cookie=st.one_of(st.none(), st.tuples(st.sampled_from([SESSION, "csrftoken"]), latin1)),
)
@bounded(150)
def test_every_page_answers_any_input_without_a_500(staff_client, page, segment, query, header, cookie):
    """Whatever the path, query, one header or one cookie: never a 5xx, and bytes no page can read are
    the 400 page saying what is wrong (and only they)."""
    jar = {name: morsel.value for name, morsel in staff_client.cookies.items()}
    path = page.format(segment=quote(segment, safe="", errors="surrogatepass"))
    extra = {"QUERY_STRING": query_string({name: [value] for name, value in query}).decode()}
    if header:
        extra[header[0]] = header[1]
    if cookie:
        extra["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in (jar | dict([cookie])).items())

    try:
        response = staff_client.get(path, **extra)
    finally:
        staff_client.cookies = SimpleCookie(jar)  # a refused cookie is cleared: the staff session goes on

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    sent_cookie = parse_cookie(extra.get("HTTP_COOKIE", "")).get(cookie[0], "") if cookie else ""
    unreadable = (
        ("{segment}" in page and UNREADABLE.search(received(segment)))
        or any(UNREADABLE.search(received(value)) for pair in query for value in pair)
        or (header and UNREADABLE_IN_HEADER.search(header[1]))
        or UNREADABLE.search(sent_cookie)
    )
    said = ("contains a control character" in response.content.decode()) or (
        "damaged cookie" in response.content.decode()
    )
    if unreadable:
        assert response.status_code == 400
        assert said
    else:
        assert not said, "the guard refused a request it can read"


FORMS = (
    "/products/{slug}/add/",
    "/cart/update/",
    "/cart/remove/",
    "/checkout/",
    "/login/",
    "/register/",
    "/account/",
    "/ops/failed-events/payments/987654321/discard/",
    "/orders/00000000-0000-4000-8000-000000000000/cancel/",
)
CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "multipart/form-data; boundary=\x00",
    "application/json",
    "text/plain",
    "",
)


@given(
    form=st.sampled_from(FORMS),
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.one_of(
        st.binary(max_size=300),
        st.dictionaries(field("quantity", "product_id", "email", "action"), field(), max_size=4).map(
            lambda fields: query_string({k: [v] for k, v in fields.items()})
        ),
    ),
)
@bounded(60)
def test_every_form_answers_any_body_without_a_500(staff_client, stack, form, content_type, body):
    """Any bytes under any content type (none, the wrong one, a broken multipart): never a 5xx."""
    path = form.format(slug="no-such-product")

    response = staff_client.generic("POST", path, body, content_type=content_type)

    assert_no_server_error(response)
    event(f"answered {response.status_code}")
    assert "auth" in staff_client.session, "no body signs the staff member out"
