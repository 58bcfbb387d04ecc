"""Every recurring task of the project, from each app's `tasks.SCHEDULES`, listed here
explicitly: an app with a new schedule adds its line (a test checks none is missed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drills.tasks import SCHEDULES as DRILLS
from incidents.comms.tasks import SCHEDULES as COMMS
from incidents.integrations.tasks import SCHEDULES as INTEGRATIONS
from incidents.oncall.tasks import SCHEDULES as ONCALL
from incidents.slack.tasks import SCHEDULES as SLACK
from incidents.tasks import SCHEDULES as INCIDENTS
from portal.audit.tasks import SCHEDULES as AUDIT
from portal.notifications.tasks import SCHEDULES as NOTIFICATIONS
from postmortems.tasks import SCHEDULES as POSTMORTEMS
from postmortems.tickets.tasks import SCHEDULES as TICKETS

# (owner, its schedules); the owner names the app in error messages.
APP_SCHEDULES: Sequence[tuple[str, Sequence[dict[str, Any]]]] = (
    ("portal.notifications", NOTIFICATIONS),
    ("portal.audit", AUDIT),
    ("incidents", INCIDENTS),
    ("incidents.oncall", ONCALL),
    ("incidents.integrations", INTEGRATIONS),
    ("incidents.comms", COMMS),
    ("incidents.slack", SLACK),
    ("postmortems", POSTMORTEMS),
    ("postmortems.tickets", TICKETS),
    ("drills", DRILLS),
)
