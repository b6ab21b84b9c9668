"""Long-running processes: relay (store -> Kafka), projection runners, feed router, subscriber.

They import `projections`, `domain` and `schemas`; the composition root (`fullpicture`) imports
them and hands them their settings. Nothing here imports the composition root or an entry point.
"""
