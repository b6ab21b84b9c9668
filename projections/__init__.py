"""Read models built from event records, and the queries the CLI and dashboard ask of them.

Projections are pure over records; the only I/O is the read-model database they are given.
They import `domain` and `schemas` only; `consumers` and the composition root import them.
"""
