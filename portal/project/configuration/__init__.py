"""Configuration as code (issue 17): the whole configuration as one YAML document.

`export_configuration` reads it, `plan_configuration` compares a document with the
database item by item, `apply_configuration` writes the difference atomically
through the section writers (each audits its changes). Each section of the document
is described once in `sections.py`, so a new model field means one line in the
export shape, one in the schema and one in the writer.
"""
