"""Demo data for `make run DEMO=1`: an admin login, services and a few incidents.

The top floor: it imports each app's `demo.load_demo` explicitly (in the order they
load: on-call before the alerts that page, post-mortems before drills).

Idempotent: the admin keeps its password (kept in var/admin-password.txt so it can
be printed again); incidents are added only to an empty portal. Demo incidents are
marked `is_demo`: never on the public status page, never paging anyone.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from drills.demo import load_demo as load_drills_demo
from incidents import services
from incidents.comms.demo import load_demo as load_comms_demo
from incidents.integrations.demo import load_demo as load_integrations_demo
from incidents.models import Incident, Service
from incidents.oncall.demo import load_demo as load_oncall_demo
from portal.kernel.actors import Actor
from postmortems.demo import load_demo as load_postmortems_demo

# Each app's demo data, in loading order.
APP_DEMOS = (
    load_oncall_demo,
    load_integrations_demo,
    load_comms_demo,
    load_postmortems_demo,
    load_drills_demo,
)
PASSWORD_FILE = Path(settings.BASE_DIR) / "var" / "admin-password.txt"


def ensure_admin(username: str = "admin") -> tuple[Any, str]:
    """The demo superuser and its password (created, or read back from var/)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None and PASSWORD_FILE.exists():
        return user, PASSWORD_FILE.read_text().strip()
    password = secrets.token_urlsafe(12)
    if user is None:
        user = User.objects.create_superuser(username, f"{username}@example.com", password)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    PASSWORD_FILE.parent.mkdir(exist_ok=True)
    PASSWORD_FILE.write_text(password + "\n")
    PASSWORD_FILE.chmod(0o600)
    return user, password


DEMO_SERVICES = (
    ("API", "api", "Public REST API"),
    ("Web app", "web-app", "The customer dashboard"),
    ("Billing", "billing", "Subscriptions and invoices"),
    ("Background jobs", "jobs", "Queues and scheduled work"),
)


@transaction.atomic
def load_core_demo(*, actor: Actor) -> list[str]:
    for name, slug, description in DEMO_SERVICES:
        Service.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    if Incident.objects.exists():
        return []
    api = Service.objects.get(slug="api")
    billing = Service.objects.get(slug="billing")
    web = Service.objects.get(slug="web-app")
    refs = []
    old = services.declare_incident(
        actor=actor,
        title="Card payments failing at checkout",
        severity="SEV-2",
        services=[billing],
        summary="Stripe webhook receiver returns 500; renewals are not recorded.",
        critical_flow_broken=True,
        detection_source="error_tracker",
        is_demo=True,
    )
    services.acknowledge_incident(incident=old, actor=actor)
    services.post_status_update(
        incident=old,
        actor=actor,
        status="identified",
        message="A bad deploy broke webhook signature checks.",
        public=True,
    )
    services.resolve_incident(
        incident=old,
        actor=actor,
        message="Rolled back; renewals replayed.",
        unmet_comms_reason="Demo data: nothing is sent to customers.",
    )
    refs.append(old.ref)
    current = services.declare_incident(
        actor=actor,
        title="API latency above 5 s",
        severity="SEV-2",
        services=[api, web],
        summary="p99 latency on /api is above 5 s for 30 % of requests.",
        customers_affected_pct=30,
        detection_source="monitoring_alert",
        is_demo=True,
    )
    services.acknowledge_incident(incident=current, actor=actor)
    services.post_status_update(
        incident=current,
        actor=actor,
        status="investigating",
        message="Looking at the database connection pool.",
        next_steps="Scale the pool",
        eta="30 min",
        public=True,
    )
    refs.append(current.ref)
    small = services.declare_incident(
        actor=actor,
        title="Typo on the pricing page",
        severity="SEV-4",
        services=[web],
        customer_facing=False,
        detection_source="customer_report",
        is_demo=True,
    )
    refs.append(small.ref)
    return refs


def ensure_login() -> dict[str, Any]:
    """Without demo data (`make run`): the policy in force and an admin login, nothing else."""
    from incidents.choices import PolicyStatus
    from incidents.models import PolicyVersion
    from incidents.policies import load_preset

    if not PolicyVersion.objects.filter(status=PolicyStatus.ACTIVE).exists():
        load_preset("founder-24x7", actor=Actor.system("demo"))
    user, password = ensure_admin()
    ensure_admin_reachable(user)
    return {"username": user.get_username(), "password": password, "incidents": []}


def ensure_admin_reachable(user: Any) -> None:
    """The first run's founder can be paged at once: a verified e-mail method (the console
    e-mail backend prints it in the worker's output until EMAIL_URL is set) and a rule
    at 0 minutes. Their phone is theirs to add (the operations board says so)."""
    from incidents.oncall.choices import ContactKind
    from incidents.oncall.models import ContactMethod, NotificationRule

    address = user.email or f"{user.get_username()}@example.com"
    method, created = ContactMethod.objects.get_or_create(
        user=user,
        kind=ContactKind.EMAIL,
        address=address,
        defaults={"label": "First-run e-mail", "verified_at": timezone.now()},
    )
    if created and not NotificationRule.objects.filter(user=user).exists():
        NotificationRule.objects.create(user=user, contact_method=method, delay_minutes=0)


def load_demo() -> dict[str, Any]:
    from incidents.choices import PolicyStatus
    from incidents.models import PolicyVersion
    from incidents.policies import load_preset

    if not PolicyVersion.objects.filter(status=PolicyStatus.ACTIVE).exists():
        load_preset("founder-24x7", actor=Actor.system("demo"))
    user, password = ensure_admin()
    ensure_admin_reachable(user)
    actor = Actor.for_user(user)
    refs = load_core_demo(actor=actor)
    for load_app_demo in APP_DEMOS:
        load_app_demo(actor=actor)
    if refs:
        # A demo SEV-1 to look at; marked demo, it pages nobody and stays off /status/.
        sev1 = services.declare_incident(
            actor=Actor.system("demo"),
            title="Primary database unreachable",
            severity="1",
            production_outage=True,
            detection_source="monitoring_alert",
            services=list(Service.objects.filter(slug="api")),
            is_demo=True,
        )
        refs.append(sev1.ref)
    return {"username": user.get_username(), "password": password, "incidents": refs}
