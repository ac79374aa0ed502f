from django import forms

# The users service's limits (accounts serializers): longer input gets its error here, next to the field.
EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 128


def _password(label: str | None = None, *, autocomplete: str, **kwargs) -> forms.CharField:
    widget = forms.PasswordInput(attrs={"autocomplete": autocomplete})
    return forms.CharField(strip=False, label=label, max_length=PASSWORD_MAX_LENGTH, widget=widget, **kwargs)


class LoginForm(forms.Form):
    email = forms.EmailField(
        max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = _password(autocomplete="current-password")


class RegisterForm(forms.Form):
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = _password(
        autocomplete="new-password", help_text="At least 8 characters, not only digits, not a common password."
    )
    password_again = _password("Repeat password", autocomplete="new-password")

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", "The two passwords differ.")
        return data


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))


class PasswordChangeForm(forms.Form):
    old_password = _password("Current password", autocomplete="current-password")
    new_password = _password("New password", autocomplete="new-password")
    new_password_again = _password("Repeat new password", autocomplete="new-password")

    def clean(self):
        data = super().clean()
        if (
            data.get("new_password")
            and data.get("new_password_again")
            and (data["new_password"] != data["new_password_again"])
        ):
            self.add_error("new_password_again", "The two passwords differ.")
        return data
