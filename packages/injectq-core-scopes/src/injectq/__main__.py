"""`python -m injectq graph myapp.main:container`: see `python -m injectq --help`."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
