"""`python -m reviewer`: the same command line as the `reviewer` script."""

import sys

from reviewer.cli import main

sys.exit(main())
