"""Reports people read: the same content as Markdown and as a self-contained HTML page.

A report is a list of sections; a section holds paragraphs, tables and PNG figures. Bench,
evaluate and quickstart build sections; this package only renders them.
"""

from signport.report.document import Figure, Report, Section, Table, write_report

__all__ = ["Figure", "Report", "Section", "Table", "write_report"]
