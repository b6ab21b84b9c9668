"""Exit 0 if a Kafka broker answers at HOST:PORT (stdlib only).

`kafka_ping.py HOST:PORT` sends an ApiVersions request (any listener answers it before
authentication). `kafka_ping.py --sasl MECHANISM HOST:PORT` also asks for a SASL handshake with
that mechanism: only a listener that requires SASL and offers the mechanism accepts it, so an
unauthenticated (PLAINTEXT) broker fails this check. `--tls` speaks TLS first (a SASL_SSL
listener); the certificate is not checked: this only asks whether the broker is up.
"""

import socket
import ssl
import struct
import sys

API_VERSIONS = 18
SASL_HANDSHAKE = 17
CLIENT_ID = b"fullpicture-ping"


def _request(
    conn: socket.socket, api_key: int, version: int, correlation_id: int, body: bytes
) -> bytes:
    header = struct.pack(">hhih", api_key, version, correlation_id, len(CLIENT_ID)) + CLIENT_ID
    message = header + body
    conn.sendall(struct.pack(">i", len(message)) + message)
    size = struct.unpack(">i", _read(conn, 4))[0]
    return _read(conn, size)


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def broker_answers(
    host: str, port: int, sasl_mechanism: str | None = None, tls: bool = False, timeout: float = 2.0
) -> bool:
    try:
        with _connect(host, port, tls, timeout) as conn:
            reply = _request(conn, API_VERSIONS, 0, 7, b"")
            correlation_id, error_code = struct.unpack(">ih", reply[:6])
            if correlation_id != 7 or error_code != 0:
                return False
            if sasl_mechanism is None:
                return True
            mechanism = sasl_mechanism.encode()
            body = struct.pack(">h", len(mechanism)) + mechanism
            reply = _request(conn, SASL_HANDSHAKE, 1, 8, body)
            correlation_id, error_code = struct.unpack(">ih", reply[:6])
            return correlation_id == 8 and error_code == 0
    except (OSError, struct.error):
        return False


def _connect(host: str, port: int, tls: bool, timeout: float) -> socket.socket:
    conn = socket.create_connection((host, port), timeout=timeout)
    if not tls:
        return conn
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(conn, server_hostname=host)


if __name__ == "__main__":
    args = sys.argv[1:]
    mechanism = None
    tls = "--tls" in args
    args = [a for a in args if a != "--tls"]
    if args[:1] == ["--sasl"]:
        mechanism, args = args[1], args[2:]
    address = args[0] if args else "127.0.0.1:19092"
    host, _, port = address.rpartition(":")
    sys.exit(0 if broker_answers(host, int(port), mechanism, tls) else 1)
