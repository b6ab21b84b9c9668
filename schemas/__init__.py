"""The published Avro contracts of FullPicture's Kafka topics, and the one codec that uses them."""
