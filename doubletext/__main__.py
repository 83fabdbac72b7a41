"""`python -m doubletext`: the same as the `doubletext` console script."""

import sys

from doubletext.cli import main

sys.exit(main())
