"""Long-running processes: relay (store -> Kafka), projection runners, feed router, subscriber."""
