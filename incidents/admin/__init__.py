"""The admin is the portal's primary UI (SPEC §1).

The incident admin lives in `incident.py` (its flow views in `incident_views.py`,
`declare.py`, `transitions.py`, `bulk.py`), the policy admin in `policy.py`; this
module registers them and names the site.
"""

from django.contrib import admin

from incidents.admin.incident import IncidentAdmin
from incidents.admin.policy import PolicyAdmin, PolicyVersionAdmin, ServiceAdmin, SeverityLevelAdmin
from incidents.models import Incident

admin.site.site_header = "Incident portal"
admin.site.site_title = "Incident portal"
admin.site.index_title = "Run incidents, keep the policy"
# The index carries a "Declare incident" button (extends Django's own index template).
admin.site.index_template = "admin/incidents/index.html"

admin.site.register(Incident, IncidentAdmin)

__all__ = [
    "IncidentAdmin",
    "PolicyAdmin",
    "PolicyVersionAdmin",
    "ServiceAdmin",
    "SeverityLevelAdmin",
]
