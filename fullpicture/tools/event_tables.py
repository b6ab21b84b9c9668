"""`python -m fullpicture.tools.event_tables --owner URL --application-role ROLE`: the event tables
made as the owner role and the application role granted only reading and appending
(`fullpicture.store_privileges`); `scripts/services.sh` runs it after setting the roles up."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fullpicture.config import ConfigurationError
from fullpicture.store_privileges import EVENT_TABLE_PRIVILEGES, prepare_event_stores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fullpicture.tools.event_tables")
    parser.add_argument("--owner", required=True, metavar="URL", help="the owner role's database")
    parser.add_argument("--application-role", required=True, metavar="ROLE")
    args = parser.parse_args(argv)
    try:
        tables = prepare_event_stores(args.owner, args.application_role)
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    granted = ", ".join(EVENT_TABLE_PRIVILEGES)
    print(f"event tables {', '.join(tables)}: {args.application_role} may {granted} only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
