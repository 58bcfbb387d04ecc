"""A serializer that refuses fields it does not know (400 naming each), rather than
dropping them silently: a client that misspells a field learns it at once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class RefuseUnknownFields(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [f"Unknown field; the known ones are: {', '.join(sorted(known))}."]
                        for name in unknown
                    }  # fmt: skip
                )
        return super().to_internal_value(data)
