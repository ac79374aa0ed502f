"""The dockerd `images` starts: bridge networks work (iptables on), nothing is routed out, and a machine
without iptables gets one line saying what to install (dockerd's bridge driver programs iptables:
moby/moby libnetwork/drivers/bridge)."""

import pytest

from retail_dev.images import engine as engine_module
from retail_dev.images.engine import DOCKERD_FLAGS, Engine, EngineMissing


def test_dockerd_keeps_iptables_on_and_routes_nothing_out():
    # iptables on: user-defined bridge networks and their DNS need it; no forwarding or masquerading: a
    # container reaches only its own network and the host, never an address outside.
    assert not any(flag.startswith("--iptables") for flag in DOCKERD_FLAGS)
    assert {"--ip-forward=false", "--ip-masq=false", "--bridge=none"} <= set(DOCKERD_FLAGS)


def test_no_iptables_stops_before_dockerd_starts(monkeypatch):
    monkeypatch.setattr(Engine, "reachable", lambda self: False)
    monkeypatch.setattr(engine_module.shutil, "which", lambda name: "/usr/sbin/dockerd" if name == "dockerd" else None)
    monkeypatch.setattr(engine_module.os, "geteuid", lambda: 0)
    monkeypatch.setattr(engine_module, "iptables", lambda: None)
    started = []
    monkeypatch.setattr(engine_module.subprocess, "Popen", lambda *a, **k: started.append(a))

    with pytest.raises(EngineMissing) as missing:
        Engine(client="/usr/bin/docker").ensure_running()

    assert str(missing.value) == (
        "no iptables on this machine: dockerd needs iptables for its bridge networks: "
        "install it with `apt-get install -y iptables`"
    )
    assert started == []
