from rest_framework import serializers

from accounts.models import Role, User


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class LoginInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)  # a signed JWT (about 700 characters)


class ProfileUpdateInput(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate(self, attrs):
        # Refuse (not silently drop) fields like `role`, so a client learns it cannot change them.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({field: ["This field cannot be changed here."] for field in unknown})
        return attrs


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class UserOutput(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role"]


class ProfileOutput(UserOutput):
    class Meta(UserOutput.Meta):
        fields = [*UserOutput.Meta.fields, "date_joined"]


class AdminUserOutput(UserOutput):
    class Meta(UserOutput.Meta):
        fields = [*UserOutput.Meta.fields, "is_active", "is_staff", "date_joined", "last_login"]


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
