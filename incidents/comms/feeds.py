"""The status page's Atom feed: public updates of public incidents."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks

from incidents.comms.status_page import feed_items


class StatusFeed(Feed):
    """Atom (RFC 4287). Entries' summaries are `type="html"` holding real HTML: the
    update's text escaped once into HTML, which the XML writer escapes again, so a
    reader shows `p99 < 500 ms` or a literal `<b>` exactly as written. The feed and
    every entry name the portal as author (§4.1.1, §4.1.2)."""

    feed_type = Atom1Feed
    description = "Incidents and their public updates."

    def author_name(self) -> str:
        return str(settings.PORTAL_NAME)

    def item_author_name(self, item: dict[str, Any]) -> str:
        return str(settings.PORTAL_NAME)

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
        return linebreaks(str(item["body"]), autoescape=True)

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
