"""``python -m dialogcls``: see :mod:`dialogcls.cli`."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
