"""`python -m fullpicture`: the same command as `fullpicture`."""

import sys

from fullpicture.cli import main

sys.exit(main())
