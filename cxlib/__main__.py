"""``python -m cxlib``: the command line (see :mod:`cxlib.cli`)."""

import sys

from cxlib.cli import main

sys.exit(main())
