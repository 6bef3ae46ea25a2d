"""``python -m simkit``: see :mod:`simkit.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
