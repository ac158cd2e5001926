"""The build: from the registered studies to the report (``make reproduce``).

``claims``     the article's claims joined with the studies' verdicts
``report``     the report's index page, the notebooks' HTML, the manifest
``reproduce``  one loop over the study registry, then the notebooks, into a safe output folder
"""
