"""The PostgreSQL event store's recorder, sending each batch of events in binary.

eventsourcing inserts a batch as one array of composite rows. Passed with `%s`, psycopg writes the
array as text: every event's JSON state as hex, then quoted and escaped by a regular expression,
about a quarter of an import. Passed with `%b` the same array goes in PostgreSQL's binary format
(an import of 40,000 entries: ~6,000 -> ~7,400 entries/s). Chosen through eventsourcing's own
`APPLICATION_RECORDER_TOPIC` setting.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Composable, Composed


class BinaryBatchRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_events_statement = binary_parameters(self.insert_events_statement)


def binary_parameters(statement: Composable) -> Composable:
    """The statement with its `%s` parameters passed in binary (`%b`)."""
    if isinstance(statement, Composed):
        return Composed([binary_parameters(part) for part in statement])
    if isinstance(statement, SQL):
        return SQL(statement.as_string(None).replace("%s", "%b"))
    return statement
