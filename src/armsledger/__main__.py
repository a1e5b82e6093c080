"""`python -m armsledger`: the command line (armsledger.cli), for a checkout that is not installed."""

import sys

from armsledger.cli import main

sys.exit(main())
