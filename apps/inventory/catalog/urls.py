from django.urls import path

from catalog import api

urlpatterns = [
    path("api/categories", api.CategoryListView.as_view(), name="categories"),
    path("api/products", api.ProductListView.as_view(), name="products"),
    path("api/products/trending", api.TrendingView.as_view(), name="products-trending"),
    path("api/products/<str:id_or_slug>", api.ProductDetailView.as_view(), name="product-detail"),
    path("api/inventory/<str:sku>", api.StockView.as_view(), name="stock"),
    path("api/reservations", api.ReservationView.as_view(), name="reservations"),
]
