"""Names vulture cannot see used (`make lint`): called by a framework, read through `asdict` or
by name, or kept for tests that test more than them. A name added here says why."""

# ruff: noqa: B018, F821
# Called by eventsourcing: event versions and their upcasters, aggregate ids, the recorder hook.
_.class_version
_.upcast_v1_v2
_.upcast_v2_v3
_.upcast_v3_v4
_.create_id
_.insert_events
_.sign_in_failed  # replays failed sign-ins recorded by older versions
OneTripRecorder  # named by its topic in bootstrap (APPLICATION_RECORDER_TOPIC)
ChronologyRecorder  # named by its topic in bootstrap (APPLICATION_RECORDER_TOPIC)
# Called by kafka-python: a rebalance listener's callbacks and its consumer's rejoin flag.
_.on_partitions_revoked
_.on_partitions_assigned
_.rejoin_needed
# Event and row fields, read through `asdict`, by name in SQL or in pages and packs.
_.registered_at
_.recall
_.false_alarms
_.corrected_by
_.answered_by
_.followed_up_by
_.acknowledged_by
_.done_by
_.added_at
_.reassigned_by
_.to_acknowledge  # read by the My work page
_.first_occurred_at
_.last_occurred_at
_.dialect
_.days_to_followup
_.replied
_.median_days
_.via
_.group_prefix
# Used by tests that check more than them (the store's old versions, colour contrast, read
# models' rows, the broker's ACLs, the environment the tests clear).
_.find_entry_uuid
contrast_ratio
overdue_requests
transfer_points
versions
wait_until_assigned
revoke_all
ALL_KEYS
# eventsourcing's extension points, overridden (its Application and Mapper call them); the key
# wrapper protocol's parameter; the erasure's interface with `fullpicture erase` and the
# certificate it writes.
_.construct_mapper
_.to_stored_event
ciphertext
shred_child
_.already_recorded
