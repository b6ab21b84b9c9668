"""The demo partnership's read models, table by table, as a fingerprint that outlives storage forms.

Each table's rows are put in a canonical form (a stored list, whatever its text form, becomes the
list it holds), sorted, and hashed; `tests/snapshots/demo-read-models.json` holds the fingerprint
the read models had before their storage was made cheaper, so a faster projection must build the
same content. Regenerate it (`python -m tests.read_model_snapshot`) only when a change to what the
read models hold is intended, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from consumers.store_feed import catch_up
from domain.application import Partnership
from fullpicture import config
from fullpicture.bootstrap import event_store_env
from fullpicture.config import Settings, load_settings
from fullpicture.tools.synthetic import generate_partnership, record_partnership
from projections.alerts import PatternContext
from projections.database import ReadModelDatabase, open_read_models
from projections.read_models import ReadModels, table_names

SNAPSHOT = Path(__file__).parent / "snapshots" / "demo-read-models.json"
# `make demo`'s partnership (300 children, seed 1), as at a fixed day.
DEMO_CHILDREN, DEMO_SEED, DEMO_TODAY = 300, 1, date(2025, 6, 30)
# Columns holding a list of codes or references.
LIST_COLUMNS = {"to_agencies", "child_refs", "concerns", "evidence"}
COLUMNS_OF = {
    "sqlite": "SELECT name FROM pragma_table_info(?) ORDER BY cid",
    "postgres": "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
    "ORDER BY ordinal_position",
}


def record_demo_partnership(settings: Settings) -> Partnership:
    """The demo partnership recorded into the store `settings` name (the clock is simulated)."""
    app = Partnership(env=event_store_env(settings), now=lambda: datetime(2025, 6, 30, 23, 0))
    data = generate_partnership(children=DEMO_CHILDREN, seed=DEMO_SEED, today=DEMO_TODAY)
    record_partnership(app, data)
    return app


def demo_read_models(db: ReadModelDatabase) -> ReadModels:
    """Read models that evaluate patterns as at the snapshot's day."""
    return ReadModels(db, PatternContext(today=lambda: DEMO_TODAY))


def fingerprint(db: ReadModelDatabase) -> dict[str, dict[str, Any]]:
    """{table: {"columns": …, "rows": n, "sha256": …}} over every read-model table."""
    return {table: _table_fingerprint(db, table) for table in table_names()}


def _table_fingerprint(db: ReadModelDatabase, table: str) -> dict[str, Any]:
    columns = [str(row[0]) for row in db.query(COLUMNS_OF[db.dialect], (table,))]
    rows = sorted(
        json.dumps([_canonical(c, v) for c, v in zip(columns, row, strict=True)])
        for row in db.query(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
    )
    digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return {"columns": columns, "rows": len(rows), "sha256": digest}


def _canonical(column: str, value: Any) -> Any:
    if column in LIST_COLUMNS and isinstance(value, str):
        from projections.chronology import listed

        return list(listed(value))
    return value


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as state:
        settings = load_settings({config.STATE_DIR: state})
        app = record_demo_partnership(settings)
        db = open_read_models(settings.database.url)
        catch_up(app, demo_read_models(db))
        found = fingerprint(db)
        db.close()
        app.close()
    SNAPSHOT.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}", file=sys.stderr)
