"""Exit 0 if a Kafka broker answers an ApiVersions request at HOST:PORT (stdlib only)."""

import socket
import struct
import sys


def broker_answers(host: str, port: int, timeout: float = 2.0) -> bool:
    client_id = b"fullpicture-ping"
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.sendall(struct.pack(">i", len(body)) + body)
            header = conn.recv(10)
    except OSError:
        return False
    if len(header) < 10:
        return False
    _, correlation_id, error_code = struct.unpack(">iih", header)
    return correlation_id == 7 and error_code == 0


if __name__ == "__main__":
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:19092"
    host, _, port = address.rpartition(":")
    sys.exit(0 if broker_answers(host, int(port)) else 1)
