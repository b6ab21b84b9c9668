"""FullPicture's composition root: configuration, wiring (`bootstrap`), the projection runner,
the query layer (`queries`: scope checks and the access log) and what they print or write.

It imports `consumers`, `projections`, `domain` and `schemas`. Above it, inside this package:
`fullpicture.cli` (the command) and `fullpicture.tools` (bench, soak, demo…); beside the CLI,
`dashboard`. The layers are listed in pyproject.toml (`make lint` checks them).
"""
