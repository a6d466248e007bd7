"""factory_boy factories. They write through the unscoped managers: test set-up is not a tenant."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Institution, Membership, Person, Unit, User
from accounts.roles import Role
from accounts.tenancy import tenant_scope


class TenantOwnedFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Institution {n}")
    slug = factory.Sequence(lambda n: f"institution-{n}")
    kind = Institution.Kind.SCHOOL
    time_zone = "Europe/London"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(TenantOwnedFactory):
    class Meta:
        model = Membership

    institution = factory.SubFactory(InstitutionFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class UnitFactory(TenantOwnedFactory):
    class Meta:
        model = Unit

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = Unit.Kind.CLASS


class PersonFactory(TenantOwnedFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    external_id = factory.Sequence(lambda n: f"P{n:05d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    kind = Person.Kind.STUDENT
    consent_given = True

    @factory.post_generation
    def units(obj, create, extracted, **kwargs):
        if create and extracted:
            with tenant_scope(obj.institution):
                obj.units.set(extracted)
