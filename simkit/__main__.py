"""``python -m simkit``: see :mod:`simkit.cli`."""

from .cli import entry

if __name__ == "__main__":
    entry()
