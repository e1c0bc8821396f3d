"""``python -m economy_ops`` is the same as the ``kryten-economy`` console script."""

import sys

from .cli import main

sys.exit(main())
