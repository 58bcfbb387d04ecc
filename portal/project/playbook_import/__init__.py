"""Read a playbook's severity levels into a draft policy (SPEC §2).

`read_severity_table` parses the document (Markdown or HTML) into a tree, finds the
blocks shaped like levels (table rows or columns, headings with their sections,
paragraphs or list items starting with a code), chooses one by what it reads and
reports everything it did not read; `import_markdown_policy` stores the draft.
"""

from portal.project.playbook_import.reader import ImportResult, read_severity_table
from portal.project.playbook_import.service import import_markdown_policy

__all__ = ["ImportResult", "import_markdown_policy", "read_severity_table"]
