"""Read a playbook's severity levels into a draft policy (SPEC §2).

`read_severity_table` finds the levels in Markdown tables, HTML tables or bulleted
lists, chooses the candidate by its content and reports everything it did not
read; `import_markdown_policy` is the service that stores the draft.
"""

from portal.project.playbook_import.reader import ImportResult, read_severity_table
from portal.project.playbook_import.service import import_markdown_policy

__all__ = ["ImportResult", "import_markdown_policy", "read_severity_table"]
