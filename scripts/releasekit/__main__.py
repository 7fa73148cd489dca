"""``python -m releasekit <command>``."""

import sys

from releasekit.cli import main

sys.exit(main())
