"""`python -m qa.cli`: the `qa` command."""

import sys

from . import main

sys.exit(main())
