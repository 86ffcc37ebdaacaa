from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from imhcpd.models import User
from imhcpd.roles import REGISTER_ADMINS_GROUP

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class RegisterAdminFactory(UserFactory):
    full_name = factory.Sequence(lambda n: f"Register Administrator {n}")

    @factory.post_generation
    def in_group(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            group, _ = Group.objects.get_or_create(name=REGISTER_ADMINS_GROUP)
            obj.groups.add(group)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


def give_totp(user: User) -> str:
    """Set up TOTP for a user directly, as the set-up page would; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
