"""Long-running processes between the event store, Kafka and the read models.

The relay (store -> Kafka), the projection runners (Kafka or the store -> read models), the feed
router and an agency's subscriber, all stepped by one run loop (`run_loop`); the Kafka clients
(`kafka_io`), every Kafka name (`kafka_names`), the settings they are built from
(`kafka_settings`), reading a topic's extent and contents (`topic_reader`), and principals with
their ACLs (`kafka_security`).

Imports domain, schemas and projections, never the composition root (`fullpicture`) or the
dashboard; those import it.
"""
