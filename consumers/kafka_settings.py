"""What every Kafka client is built from: the broker, how to authenticate, how topics are made.

`KafkaSettings` is the part of FullPicture's settings that consumers read; the composition root's
`Settings` satisfies it as it is. The security types, the environment keys that name a principal
(the configuration reads them, `kafka setup` writes them) and the error for an unusable setting
live here, so that consumers need nothing from the layers above them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from consumers.kafka_names import Topics

KAFKA_USERNAME = "FULLPICTURE_KAFKA_USERNAME"
KAFKA_PASSWORD = "FULLPICTURE_KAFKA_PASSWORD"
DEFAULT_SASL_MECHANISM = "SCRAM-SHA-512"


def service_username_key(service: str) -> str:
    """Each service may have its own principal: FULLPICTURE_KAFKA_RELAY_USERNAME and so on."""
    return f"FULLPICTURE_KAFKA_{service.upper()}_USERNAME"


def service_password_key(service: str) -> str:
    return f"FULLPICTURE_KAFKA_{service.upper()}_PASSWORD"


class ConfigurationError(ValueError):
    """A setting is present but unusable; carries the environment key that is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key


@dataclass(frozen=True)
class KafkaCredentials:
    """A Kafka principal's SASL user name and password."""

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class KafkaSecurity:
    """How every Kafka client authenticates: protocol, SASL mechanism, whose credentials."""

    protocol: str = "PLAINTEXT"
    mechanism: str = DEFAULT_SASL_MECHANISM
    credentials: KafkaCredentials | None = None
    ca_file: Path | None = None
    # Per-service principals (relay, projector, ...), chosen with `Settings.as_service`.
    services: Mapping[str, KafkaCredentials] = field(default_factory=dict, repr=False)

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")


class KafkaSettings(Protocol):
    """The settings a Kafka client, a topic or a consumer of FullPicture's is made from."""

    @property
    def kafka_bootstrap(self) -> str | None: ...

    @property
    def kafka_security(self) -> KafkaSecurity: ...

    @property
    def topics(self) -> Topics: ...

    @property
    def topic_partitions(self) -> int: ...

    @property
    def topic_replication_factor(self) -> int: ...

    @property
    def feed_retention_days(self) -> int: ...
