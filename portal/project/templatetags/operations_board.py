"""`{% operations_board as board %}` for the admin home (the read lives in portal.project.operations_board)."""

from __future__ import annotations

from typing import Any

from django import template

from portal.project.operations_board import OperationsBoard, operations_board

register = template.Library()


@register.simple_tag(takes_context=True, name="operations_board")
def operations_board_tag(context: Any) -> OperationsBoard:
    return operations_board(context["request"].user)
