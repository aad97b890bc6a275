"""Files that departments exchange with the system: the department Excel workbook."""
