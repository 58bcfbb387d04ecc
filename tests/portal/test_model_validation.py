"""`full_clean()` as a DomainError naming the field at fault (one helper for every service)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Service
from portal.kernel.errors import DomainError
from portal.kernel.model_validation import model_errors, validate_model

pytestmark = pytest.mark.django_db


def test_a_valid_object_passes() -> None:
    service = Service(name="Checkout", slug="checkout")
    assert model_errors(service) == {}
    validate_model(service)


def test_the_first_field_at_fault_is_named_with_its_messages() -> None:
    with pytest.raises(DomainError) as exc:
        validate_model(Service(name="Checkout", slug="not a slug!"))
    assert exc.value.field == "slug"
    assert "slug" in exc.value.message.lower()


def test_excluded_fields_are_not_checked() -> None:
    validate_model(Service(name="Checkout", slug="not a slug!"), exclude=["slug"])


def test_a_place_prefixes_the_message_and_a_field_overrides_the_one_shown() -> None:
    with pytest.raises(DomainError) as exc:
        validate_model(Service(name="", slug="checkout"), where="services[0]", field="services")
    assert exc.value.field == "services"
    assert exc.value.message == "services[0]: name: This field cannot be blank."


def test_an_error_of_no_one_field_names_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Service) -> None:
        raise ValidationError("Checkout and billing cannot both be down.")

    monkeypatch.setattr(Service, "clean", refuse)
    with pytest.raises(DomainError) as exc:
        validate_model(Service(name="Checkout", slug="checkout"))
    assert exc.value.field is None
    assert exc.value.as_dict() == {
        "non_field_errors": ["Checkout and billing cannot both be down."]
    }


def test_every_field_at_fault_is_listed_for_config_files() -> None:
    errors = model_errors(Service(name="", slug="not a slug!"))
    assert set(errors) == {"name", "slug"}
