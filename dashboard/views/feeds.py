"""Feeds (distributed mode): topics, each agency feed's consumer lag, and dead letters."""

from __future__ import annotations

import streamlit as st

from consumers.feed_status import feed_status
from dashboard import data

st.title("Feeds")
kafka = data.wiring().kafka
if kafka is None:
    st.info("Embedded mode: there is no Kafka. Set FULLPICTURE_KAFKA_BOOTSTRAP to use feeds.")
    st.stop()
try:
    status = feed_status(kafka.as_service("dashboard"), data.agencies())
except Exception as error:  # noqa: BLE001 - show the broker problem, not a traceback
    st.error(f"Kafka is not reachable at {kafka.kafka_bootstrap}: {error}")
    st.stop()
left, right = st.columns(2)
left.metric("Events on the topic", status.events)
right.metric("Dead letters", status.dead_letters)
st.dataframe(status.feeds, hide_index=True, width="stretch")
