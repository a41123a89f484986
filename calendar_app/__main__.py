"""`python -m calendar_app`: the `calendar-app` command, for where the script is not on the PATH."""

import sys

from .cli.main import main

sys.exit(main())
