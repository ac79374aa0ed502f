from django import forms
from django.core.validators import RegexValidator

from retail_common.domain.cards import card_digits, card_number_problem
from shop.cart import MAX_QUANTITY

COUNTRIES = [
    ("US", "United States"),
    ("CA", "Canada"),
    ("GB", "United Kingdom"),
    ("IE", "Ireland"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("ES", "Spain"),
    ("IT", "Italy"),
    ("NL", "Netherlands"),
    ("SE", "Sweden"),
    ("AU", "Australia"),
    ("NZ", "New Zealand"),
    ("JP", "Japan"),
]


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, initial=1)


class CartLineForm(forms.Form):
    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class CheckoutForm(forms.Form):
    ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postal_code", "country")

    name = forms.CharField(label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    line1 = forms.CharField(
        label="Address", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "address-line1"})
    )
    line2 = forms.CharField(
        label="Apartment, suite",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))
    postal_code = forms.CharField(
        label="Postal code",
        max_length=12,
        validators=[RegexValidator(r"^[A-Za-z0-9 -]{3,12}$", "Enter 3 to 12 letters, digits, spaces or dashes.")],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.ChoiceField(choices=COUNTRIES, widget=forms.Select(attrs={"autocomplete": "country"}))
    card_number = forms.CharField(
        label="Card number",
        max_length=23,
        help_text="Test cards: 4242 4242 4242 4242 pays; one ending 0002 is declined.",
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_card_number(self):
        value = self.cleaned_data["card_number"]
        problem = card_number_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return card_digits(value)

    def address(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.ADDRESS_FIELDS}
