"""Demo and synthetic data, kept apart from the product's services.

* :mod:`kpi.demo.seed` — the demo warehouse: the seed's strategy (Chiba Prefecture's ICT utilization strategy)
  and its FY2021 values from ``chiba_ict_fy2021.json``, approved through the workflow table with audit rows,
  and the demo accounts;
* :mod:`kpi.demo.narrative` — the seed's main initiatives, strategy outline and conclusions
  (``chiba_ict_fy2021_narrative.json``);
* :mod:`kpi.demo.scale` and :mod:`kpi.demo.scale_catalogue` — a synthetic national-scale warehouse for the
  benchmarks (``kpi scale-demo``).

The JSON files are package data (``importlib.resources.files("kpi.demo")``). Importing this package imports
nothing else, so reading the files stays cheap.
"""
