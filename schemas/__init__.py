"""The published Avro contracts of FullPicture's Kafka topics, and the one codec that uses them.

The bottom layer, beside `domain` (neither imports the other); every other package may import it.
"""
