"""Bad input through the real server (gunicorn) in front of the storefront, as a browser or a raw client
sends it (issue 12): the shop's 400 page saying what is wrong, never a 500."""

import http.client
from urllib.parse import urlsplit


def raw(stack, path: str, headers: dict | None = None, *, method: str = "GET", body: bytes | None = None):
    """One request as bytes on the wire (http.client sends the path and header values as given)."""
    address = urlsplit(stack.urls["storefront"])
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode(errors="replace")
    finally:
        connection.close()


def test_a_search_with_a_nul_byte_shows_the_400_page(shop):
    shop.expected.append("the server responded with a status of 400")  # Chromium logs the page's own status
    response = shop.go("/products/?q=mug%00")

    assert response.status == 400
    assert shop.page.get_by_role("heading", name="That request did not make sense").is_visible()
    assert shop.page.get_by_text("The search or filter “q” contains a control character").is_visible()
    assert shop.page.get_by_role("searchbox", name="Search products").is_visible(), "a way on: search again"
    shop.shot("bad-input-400")


def test_raw_requests_get_the_shops_answers(stack):
    nul_path = raw(stack, "/products/%00/")
    nul_cookie = raw(stack, "/cart/", {"Cookie": 'retail_session="\\000abc"'})  # a quoted cookie's octal escape
    broken_utf8 = raw(stack, "/products/?q=%ED%A0%80")  # a lone surrogate, as a broken client encodes it
    latin1_header = raw(stack, "/", {"User-Agent": "caf\xe9 \xff"})
    huge_form = raw(
        stack,
        "/cart/update/",
        {"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
        body=b"quantity=" + b"9" * 3_000_000,
    )

    assert nul_path[0] == 400 and "The page address contains a control character" in nul_path[2]
    assert nul_cookie[0] == 400 and "damaged cookie" in nul_cookie[2]
    assert any(k == "Set-Cookie" and v.startswith('retail_session=""; expires=') for k, v in nul_cookie[1])
    assert broken_utf8[0] == 200, "read as U+FFFD: a search with no results"
    assert latin1_header[0] == 200
    assert huge_form[0] in (400, 403), huge_form[0]  # too big for Django (400), or refused CSRF first (403)
    for _status, _headers, html in (nul_path, nul_cookie, broken_utf8, latin1_header, huge_form):
        assert "Traceback" not in html and "Server Error" not in html
