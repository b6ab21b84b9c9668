"""SASL_SSL, as a deployment runs it: the local broker started with TLS, clients checking its CA.

A private broker (its own port, stopped afterwards) with a certificate made here by keytool.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.errors import KafkaTimeoutError

from consumers import kafka_io, kafka_security
from fullpicture import config
from fullpicture.config import Settings, load_settings
from tests.conftest import REPO_ROOT
from tests.kafka_helpers import read_topic

pytestmark = pytest.mark.kafka

TLS_KAFKA_PORT = os.environ.get("FULLPICTURE_TEST_TLS_KAFKA_PORT", "19392")
STORE_PASSWORD = "synthetic-store-password"


def make_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A self-signed broker certificate for 127.0.0.1: keystore, truststore, CA file (PEM)."""
    keystore, truststore, ca_file = folder / "broker.p12", folder / "trust.p12", folder / "ca.pem"
    common = ["-storetype", "PKCS12", "-storepass", STORE_PASSWORD]
    for command in (
        ["-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity",
         "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-keystore", str(keystore),
         "-keypass", STORE_PASSWORD, *common],
        ["-exportcert", "-alias", "broker", "-rfc", "-file", str(ca_file), "-keystore",
         str(keystore), *common],
        ["-importcert", "-alias", "broker", "-file", str(ca_file), "-noprompt", "-keystore",
         str(truststore), *common],
    ):  # fmt: skip
        subprocess.run(["keytool", *command], check=True, capture_output=True)
    return keystore, truststore, ca_file


def tls_broker(action: str, environ: dict[str, str]) -> None:
    subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "services.sh"), f"kafka-{action}"],
        env={**os.environ, "FULLPICTURE_KAFKA_PORT": TLS_KAFKA_PORT, **environ},
        check=True,
        capture_output=True,
        timeout=180,
    )


@pytest.fixture
def tls_settings(distributed_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """The fixtures' administrative principal, over SASL_SSL to a private TLS broker."""
    credentials = distributed_settings.kafka_security.credentials
    if credentials is None:
        pytest.fail("The broker from `make services` must be secured (SASL with admin credentials)")
    keystore, truststore, ca_file = make_certificate(tmp_path)
    broker = {
        "FULLPICTURE_KAFKA_LISTENER_PROTOCOL": "SASL_SSL",
        "FULLPICTURE_KAFKA_SSL_KEYSTORE": str(keystore),
        "FULLPICTURE_KAFKA_SSL_KEYSTORE_PASSWORD": STORE_PASSWORD,
        "FULLPICTURE_KAFKA_SSL_TRUSTSTORE": str(truststore),
        "FULLPICTURE_KAFKA_SSL_TRUSTSTORE_PASSWORD": STORE_PASSWORD,
        "FULLPICTURE_KAFKA_ADMIN_PASSWORD": credentials.password,
    }
    tls_broker("up", broker)
    try:
        yield load_settings(
            {
                **config.kafka_environ(distributed_settings),
                config.KAFKA_BOOTSTRAP: f"127.0.0.1:{TLS_KAFKA_PORT}",
                config.KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
                config.KAFKA_CA_FILE: str(ca_file),
                config.TOPIC_PREFIX: distributed_settings.topics.prefix,
                config.TOPIC_PARTITIONS: "1",
            }
        )
    finally:
        tls_broker("down", broker)


def test_over_sasl_ssl_an_agency_reads_its_feed_and_an_unknown_certificate_is_refused(
    tls_settings: Settings,
) -> None:
    issued = kafka_security.issue_agency_credentials(tls_settings, "tls-school", rotate=True)
    assert issued is not None and issued.security_protocol == "SASL_SSL"
    producer = kafka_io.producer(tls_settings)
    producer.send(issued.topic, value=b"over tls", key=b"C-0001").get(timeout=10)
    producer.close()
    agency = kafka_security.settings_for_agency(tls_settings, issued)
    assert [m.value for m in read_topic(agency, issued.topic)] == [b"over tls"]

    without_ca = load_settings(
        {**config.kafka_environ(tls_settings), config.KAFKA_CA_FILE: ""}
    )  # the system's CAs do not know this broker's certificate
    with pytest.raises(KafkaTimeoutError):
        kafka_io.consumer(without_ca, None, bootstrap_timeout_ms=4_000)
