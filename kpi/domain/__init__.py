"""The pure core: indicator rules, achievement rates, bands, summaries and the workflow table.

Imports no Streamlit, DuckDB or Prefect (tests/domain/test_purity.py enforces it).
"""
