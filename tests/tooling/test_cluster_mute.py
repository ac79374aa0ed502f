"""`cluster mute on|off` and the mute line of `cluster status`: the deployment window's timing and silence,
switched by hand, against fake_grafana.py (and the stand-ins of cluster_standin.py for kubectl)."""

import datetime as dt

import pytest
from cluster_fixture import no_grafana_fixture, run, standin_fixture  # noqa: F401 (fixtures)
from fake_grafana import FakeGrafana

from retail_dev.console import DevError
from retail_dev.deploy.mute_window import ALWAYS, MUTE_TIMING


@pytest.fixture
def grafana(standin, monkeypatch):
    with FakeGrafana(standin.log) as fake:
        monkeypatch.setenv("RETAIL_GRAFANA_URL", fake.url)
        monkeypatch.setenv("RETAIL_GRAFANA_PASSWORD", "secret")
        yield fake


def alerts_line(capsys) -> str:
    out = capsys.readouterr().out.splitlines()
    return out[out.index("==> alerts") + 1].strip()


def test_mute_on_mutes_grafana_and_alertmanager_and_status_says_until_when(grafana, capsys):
    before = dt.datetime.now(dt.UTC)
    assert run("mute", switch="on", hours=3.0) == 0
    assert grafana.mute_timings[MUTE_TIMING]["time_intervals"] == ALWAYS
    assert grafana.policy["routes"][0]["mute_time_intervals"] == [MUTE_TIMING]
    [silence] = grafana.silences.values()
    assert silence["state"] == "active" and silence["createdBy"] == "manage_all.py cluster mute on"
    ends = dt.datetime.fromisoformat(silence["endsAt"])
    assert dt.timedelta(hours=3) <= ends - before <= dt.timedelta(hours=3, minutes=1)
    capsys.readouterr()
    assert run("status") == 0
    assert alerts_line(capsys) == (
        f"alerts muted: on: Grafana mute timing {MUTE_TIMING} on until `cluster mute off`;"
        f" Alertmanager silenced until {ends:%Y-%m-%d %H:%M} UTC"
    )


def test_mute_off_ends_the_timing_and_every_silence_of_ours(grafana, capsys):
    assert run("mute", switch="on") == 0
    grafana.silences["foreign"] = {"comment": "someone else's", "state": "active", "endsAt": "2030-01-01T00:00:00Z"}
    assert run("mute", switch="off") == 0
    assert grafana.mute_timings[MUTE_TIMING]["time_intervals"] == []
    assert {k: v["state"] for k, v in grafana.silences.items()} == {"silence-1": "expired", "foreign": "active"}
    capsys.readouterr()
    assert run("status") == 0
    assert alerts_line(capsys) == "alerts muted: off"


def test_a_deploy_while_muted_by_hand_leaves_the_mute_on(grafana):
    assert run("mute", switch="on") == 0
    assert run("deploy") == 0
    assert grafana.mute_timings[MUTE_TIMING]["time_intervals"] == ALWAYS
    assert {k: v["state"] for k, v in grafana.silences.items()} == {"silence-1": "active", "silence-2": "expired"}


def test_mute_needs_on_or_off_and_a_grafana(standin):
    with pytest.raises(DevError, match=r"^cluster mute needs on or off"):
        run("mute")
    with pytest.raises(DevError, match=r"^Grafana is not reachable at http://127\.0\.0\.1:\d+: run `python3 manage"):
        run("mute", switch="on")


def test_status_says_when_grafana_does_not_answer(standin, capsys):
    assert run("status") == 0
    assert alerts_line(capsys).startswith("alerts muted: unknown (Grafana is not reachable at http://127.0.0.1:")
