"""On-call's receiver of replies (`portal.notifications.replies`): what a paged person's
answer through a two-way provider means for their page. Registered in `OncallConfig.ready`.
"""

from __future__ import annotations

from incidents.oncall.services import (
    acknowledge_by_reply,
    escalate_by_reply,
    page_still_wanted,
    page_undeliverable,
)
from portal.notifications.replies import Reply, ReplyKind


class PageReceiver:
    def receive(self, *, message_id: int, reply: Reply) -> bool:
        if reply.kind == ReplyKind.ACKNOWLEDGED:
            return (
                acknowledge_by_reply(message_id=message_id, via=reply.via, at=reply.at) is not None
            )
        if reply.kind == ReplyKind.ESCALATE:
            return escalate_by_reply(message_id=message_id, via=reply.via)
        if reply.kind == ReplyKind.UNDELIVERABLE:
            return page_undeliverable(message_id=message_id, detail=reply.detail)
        # Expired unanswered: the escalation's own timer moves on.
        return False

    def still_wanted(self, *, message_id: int) -> bool | None:
        return page_still_wanted(message_id=message_id)


RECEIVER = PageReceiver()
