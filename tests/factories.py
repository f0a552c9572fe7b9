"""factory_boy factories for the people and objects tests need."""

import factory
from allauth.account.models import EmailAddress

from ldn_journal.accounts.models import Role, User
from patients.models import CareTeamMembership, Patient

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        obj.save()
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class ClinicianFactory(UserFactory):
    role = Role.CLINICIAN
    display_name = factory.Sequence(lambda n: f"Dr Clinician {n}")


class AdminFactory(UserFactory):
    role = Role.ADMIN


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    time_zone = "Europe/London"

    @factory.post_generation
    def clinicians(obj, create, extracted, **kwargs):
        for clinician in extracted or ():
            CareTeamMembership.objects.create(patient=obj, clinician=clinician)
