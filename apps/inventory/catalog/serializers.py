from decimal import Decimal

from rest_framework import serializers

from catalog.models import Category, Product
from catalog.selectors import ORDERINGS
from catalog.services import MAX_QUANTITY
from retail_common.db.limits import PG_BIGINT_MAX, PG_INTEGER_MAX
from retail_common.http.pagination import StandardPagination

MAX_PAGE_SIZE = StandardPagination.max_page_size


class CategoryOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    product_count = serializers.IntegerField()


class CategoryRef(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ProductOutput(serializers.ModelSerializer):
    category = CategoryRef()
    image_url = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "slug",
            "name",
            "description",
            "price",
            "currency",
            "category",
            "image_url",
            "available",
            "created_at",
        ]

    def get_image_url(self, product) -> str | None:
        if not product.image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(product.image.url) if request else product.image.url

    def get_available(self, product) -> int:
        stock = getattr(product, "stock", None)
        return stock.available if stock else 0


class ProductPage(serializers.Serializer):
    """One page of GET /api/products (the answer is built by ProductPagination; this documents it)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProductOutput(many=True)


class ProductListQuery(serializers.Serializer):
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.SlugField(required=False, allow_blank=True)
    min_price = serializers.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=Decimal(0))
    max_price = serializers.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=Decimal(0))
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(required=False, choices=sorted(ORDERINGS), allow_blank=True)

    def validate(self, attrs):
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": ["Must not be below min_price."]})
        return attrs


class ProductInput(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    slug = serializers.SlugField(max_length=140)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal(0))
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="USD")
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    on_hand = serializers.IntegerField(required=False, default=0, min_value=0, max_value=PG_INTEGER_MAX)

    def validate_sku(self, value):
        if Product.objects.filter(sku=value).exclude(pk=getattr(self.instance, "pk", None)).exists():
            raise serializers.ValidationError("A product with this sku already exists.")
        return value

    def validate_slug(self, value):
        if Product.objects.filter(slug=value).exclude(pk=getattr(self.instance, "pk", None)).exists():
            raise serializers.ValidationError("A product with this slug already exists.")
        return value


class StockOutput(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class StockInput(serializers.Serializer):
    on_hand = serializers.IntegerField(min_value=0, max_value=PG_INTEGER_MAX)


class ReservationItemInput(serializers.Serializer):
    product_id = serializers.IntegerField(min_value=1, max_value=PG_BIGINT_MAX)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class ReservationInput(serializers.Serializer):
    order_id = serializers.UUIDField()
    items = ReservationItemInput(many=True, allow_empty=False)


class TrendingOutput(ProductOutput):
    views = serializers.IntegerField()

    class Meta(ProductOutput.Meta):
        fields = [*ProductOutput.Meta.fields, "views"]
