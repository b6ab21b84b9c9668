"""The safeguarding domain: entries, agencies, the rules they keep, and the application service.

Framework-light and free of I/O beyond eventsourcing's event store. The bottom layer: imports
nothing from the other top-level packages; every other package may import it.
"""
