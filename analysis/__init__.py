"""Does running build leg muscle? Simulated replications of three exercise-science studies.

The datasets this package makes are *simulated* from published summary figures plus labelled
assumptions; see ``data/published/`` and the README. Importing the package is cheap: the
plotting and statistics stacks load only when a function that needs them is called.
"""

__version__ = "0.1.0"

__all__ = ["load"]


def __getattr__(name: str):
    # ``analysis.load`` without importing pandas at ``import analysis``
    if name == "load":
        from .studies import load

        return load
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
