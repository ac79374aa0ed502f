import factory

from accounts.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"shopper{n}@retail.test")
    first_name = "Ada"
    last_name = "Lovelace"
    role = Role.CUSTOMER

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "Correct-Horse-42")
        if create:
            self.save(update_fields=["password"])
