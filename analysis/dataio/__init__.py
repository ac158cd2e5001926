"""Files in and out: the published targets tables, researchers' data files, safe writing.

``targets``  the published / inferred / assumed numbers of each study (``data/published/``)
``schemas``  what a study's tidy data must look like, every problem listed at once
``loading``  ``analysis.load``: CSV, Excel, Parquet, long or wide, checked against a schema
``io``       writing tables without losing a user's file (temp + rename, manifests)
"""
