"""Read models of the executive and progress views, one module per use case: drill-down (drilldown), reasons of the
unachieved indicators (reasons), one indicator over every cycle (history), trends across cycles (trends) and the
collection progress of a cycle (collection_grid); records builds the display records they share.

Every query takes the acting person first and asks the permission table (kpi.services.permissions, through
kpi.services.summaries.check_basis for a cycle's figures). Rates and bands always come from the one evaluation of a
cycle's figures (kpi.services.summaries.read_figures: every indicator evaluated at once by the exact frame of
kpi.domain.rates_frame); nothing here stores a band. Lists are filtered and counted on that frame, and only the
rows a page shows are read in full (`limit`, `offset`). `judge="milestone"` judges each year against its
milestone (目安値). Results are plain lists and dicts (Japanese display texts next to machine keys).

The functions ending in `_of` (drilldown.page_of, reasons.reasons_of) and trends.trends_document compute a result
from figures already read for an actor allowed them; the app caches them per basis the actor may see
(kpi.services.summaries.visible_basis).
"""
from kpi.services.queries.collection_grid import COLLECTION_LABELS_JA, COLLECTION_STATES, collection_progress
from kpi.services.queries.drilldown import drilldown, drilldown_page, indicator_choices, page_of
from kpi.services.queries.history import indicator_history
from kpi.services.queries.reasons import UNACHIEVED, UNCATEGORIZED, reasons, reasons_of
from kpi.services.queries.trends import BOUNDARIES, NEAR_POINTS, trends, trends_document

__all__ = ["drilldown", "drilldown_page", "page_of", "indicator_choices", "reasons", "reasons_of",
           "indicator_history", "trends", "trends_document", "collection_progress", "UNACHIEVED", "UNCATEGORIZED",
           "BOUNDARIES", "NEAR_POINTS", "COLLECTION_STATES", "COLLECTION_LABELS_JA"]
