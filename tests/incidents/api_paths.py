"""URL helpers of the API tests."""

from __future__ import annotations


def incident_url(ref: str = "", action: str = "") -> str:
    """`/api/v1/incidents/[<ref>/[<action>/]]`."""
    path = "/api/v1/incidents/"
    if ref:
        path += f"{ref}/"
    if action:
        path += f"{action}/"
    return path
