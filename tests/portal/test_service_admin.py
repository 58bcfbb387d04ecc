"""`ServiceModelAdmin`: an admin page that writes through a service must name it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from django.http import HttpRequest

from portal.kernel.service_admin import ServiceModelAdmin


def test_an_admin_without_its_service_call_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="NoServiceAdmin: define write()"):

        class NoServiceAdmin(ServiceModelAdmin):
            list_display = ("name",)


def test_an_admin_with_its_service_call_is_accepted() -> None:
    class ChannelPageAdmin(ServiceModelAdmin):
        def write(self, request: HttpRequest, form: Any, change: bool) -> models.Model:
            return form.instance

    assert ChannelPageAdmin.write is not ServiceModelAdmin.write
