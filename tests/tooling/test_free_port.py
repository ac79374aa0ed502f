"""free_port hands out ports that an outgoing connection cannot take before the child binds them."""

import socket

from retail_dev.netutil import ephemeral_range, free_port


def test_ports_come_from_below_the_ephemeral_range_and_never_twice():
    low, _high = ephemeral_range()
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(1024 <= port < low for port in ports)


def test_a_port_handed_out_is_one_a_server_can_bind():
    port = free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert server.getsockname()[1] == port
