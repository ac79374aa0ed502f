from django import forms
from django.contrib import admin
from django.db import transaction

from catalog import cache
from catalog.models import Category, Product, Reservation, ReservationLine, Stock
from catalog.services import stock_set
from retail_common.admin import ReadOnlyAdmin


class StockForm(forms.ModelForm):
    class Meta:
        model = Stock
        fields = ("on_hand",)

    def clean_on_hand(self):
        on_hand = self.cleaned_data["on_hand"]
        if self.instance.pk and on_hand < self.instance.reserved:
            raise forms.ValidationError(f"{self.instance.reserved} units are reserved for open orders.")
        return on_hand


class StockInline(admin.StackedInline):
    model = Stock
    form = StockForm
    fields = ("on_hand", "reserved")
    readonly_fields = ("reserved",)
    can_delete = False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "currency", "is_active", "on_hand", "reserved")
    list_filter = ("category", "is_active", "currency")
    search_fields = ("sku", "name", "description")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("category", "stock")
    inlines = [StockInline]

    @admin.display(description="on hand")
    def on_hand(self, product):
        return product.stock.on_hand

    @admin.display(description="reserved")
    def reserved(self, product):
        return product.stock.reserved

    def save_formset(self, request, form, formset, change):
        if not change:
            formset.save()
            return
        # A change of stock goes through the service: row lock, never below reserved, cache eviction.
        for stock in formset.save(commit=False):  # commit=False: nothing written here, change log kept
            stock_set(sku=form.instance.sku, on_hand=stock.on_hand)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(cache.invalidate)


class ReservationLineInline(admin.TabularInline):
    model = ReservationLine
    fields = ("product", "quantity", "unit_price", "currency")
    readonly_fields = fields
    can_delete = False
    extra = 0


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "status", "reason", "created_at", "confirmed_at", "released_at", "restocked_at")
    list_filter = ("status",)
    search_fields = ("order_id",)
    readonly_fields = [f.name for f in Reservation._meta.fields]
    inlines = [ReservationLineInline]
