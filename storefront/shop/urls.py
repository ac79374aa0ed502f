from django.urls import path

from shop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="products"),
    path("products/<slug:slug>/", views.product_detail, name="product"),
    path("products/<slug:slug>/add/", views.cart_add, name="cart-add"),
    path("images/<path:name>", views.product_image, name="image"),
    path("cart/", views.cart_view, name="cart"),
    path("cart/update/", views.cart_update, name="cart-update"),
    path("cart/remove/", views.cart_remove, name="cart-remove"),
    path("checkout/", views.checkout_view, name="checkout"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<uuid:order_id>/", views.order_detail, name="order"),
    path("orders/<uuid:order_id>/status/", views.order_timeline, name="order-status"),
    path("orders/<uuid:order_id>/cancel/", views.order_cancel, name="order-cancel"),
]
