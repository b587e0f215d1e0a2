import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from edc.access.models import Site
from patients.models import Patient


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Z{chr(65 + n // 100 % 26)}{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"Hospital {o.code}")
    country = "FR"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.django.Password("pw-for-tests-1")


class PatientFactory(factory.django.DjangoModelFactory):
    """A patient in screening (no consent yet); use the ``enrolled`` fixtures to go further."""

    class Meta:
        model = Patient

    site = factory.SubFactory(SiteFactory)
    screening_number = factory.Sequence(lambda n: f"S{n:04d}")
    screening_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    year_of_birth = 1970
    sex = "F"


def paclitaxel_data(event_date: dt.date, **overrides) -> dict:
    """A valid paclitaxel dose for 170 cm / 70 kg at 80 mg/m² (BSA 1.82 m², 145.6 mg)."""
    data = {
        "administration_date": event_date,
        "status": "given",
        "height_cm": Decimal("170"),
        "weight_kg": Decimal("70"),
        "dose_level_mg_m2": Decimal("80"),
        "actual_dose_mg": Decimal("145.6"),
    }
    return data | overrides
