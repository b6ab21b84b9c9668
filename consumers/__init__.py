"""Long-running processes: the relay (store -> Kafka), projection runners, feed router, subscriber."""
