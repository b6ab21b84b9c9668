"""`python -m fullpicture.cli`: the same command as `fullpicture` (the bench starts projectors
so)."""

import sys

from fullpicture.cli.main import main

sys.exit(main())
