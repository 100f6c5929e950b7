"""Helpers for the CRM analytics research workbook.

One module per domain idea (see README): notebooks narrate, these functions compute.
"""

__version__ = "0.1.0"
