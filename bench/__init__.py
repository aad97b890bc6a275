"""Benchmarks of the collection path (form save, workbook import, cycle sweep): `python -m bench.collect_bench`.

Not tests: they print figures and ratios measured in the same run. Files are named *_bench.py or are helpers,
so pytest (testpaths = tests/) never collects them.
"""
