"""The local AWS's free ports lie below the ephemeral range, where no client can connect to itself."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from livebase_local.aws.moto_server import FREE_PORT_FLOOR, HOST, free_port, is_moto


def test_free_ports_are_adjacent_bindable_and_below_the_ephemeral_range() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(20):
        port = free_port()
        assert FREE_PORT_FLOOR <= port < low - 1
        for each in (port, port + 1):
            with socket.socket() as probe:
                probe.bind((HOST, each))


def test_a_peer_that_echoes_the_request_is_not_moto() -> None:
    """What a self-connected socket reads is its own request line: "not moto", never an exception."""
    with socket.socket() as server:
        server.bind((HOST, free_port()))
        server.listen()

        def echo() -> None:
            connection, _ = server.accept()
            with connection:
                connection.sendall(connection.recv(4096))

        thread = threading.Thread(target=echo, daemon=True)
        thread.start()
        assert not is_moto(server.getsockname()[1], timeout=2.0)
        thread.join(timeout=5)
