"""The status page's Atom feed: public updates of public incidents."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from incidents.comms.status_page import feed_items


class StatusFeed(Feed):
    feed_type = Atom1Feed
    description = "Incidents and their public updates."

    def title(self) -> str:
        return f"{settings.PORTAL_NAME} status"

    def link(self) -> str:
        return reverse("comms:status")

    def feed_url(self) -> str:
        return reverse("comms:feed")

    def items(self) -> list[dict[str, Any]]:
        return feed_items()

    def item_title(self, item: dict[str, Any]) -> str:
        return f"{item['status_label']}: {item['title']}"

    def item_description(self, item: dict[str, Any]) -> str:
        return str(item["body"])

    def item_link(self, item: dict[str, Any]) -> str:
        return reverse("comms:incident", args=[item["ref"]])

    def item_guid(self, item: dict[str, Any]) -> str:
        # Stable across hosts and renames: the update's id under its incident page.
        path = reverse("comms:incident", args=[item["ref"]])
        return f"{settings.PORTAL_BASE_URL}{path}#{item['id']}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: dict[str, Any]) -> datetime.datetime:
        at: datetime.datetime = item["at"]
        return at

    def item_updateddate(self, item: dict[str, Any]) -> datetime.datetime:
        at: datetime.datetime = item["at"]
        return at
