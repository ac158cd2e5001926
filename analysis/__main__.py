"""``python -m analysis``: see :mod:`analysis.cli`."""

from .cli import exit_now, main

exit_now(main())
