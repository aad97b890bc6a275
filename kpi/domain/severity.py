"""How much a finding weighs: the words the rules, the intake batches and the warehouse share (no Polars here)."""
from __future__ import annotations

ERROR = "error"  # blocks landing (or approval)
WARNING = "warning"  # needs an acknowledgement, never blocks
