"""How solid each finding is: checks that run over any registered study.

``sensitivity``  exact replications over a grid of assumptions; power from population draws
"""
