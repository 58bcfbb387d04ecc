"""Migration from PagerDuty, Opsgenie and Grafana OnCall (issue 17, item 3).

Each vendor module reads the vendor's API with a read-only key and returns a
configuration document (see `portal.project.configuration`) plus the list of losses and a
re-pointing checklist. Nothing is written here: `config plan` shows the migration,
`config apply` performs it.
"""
