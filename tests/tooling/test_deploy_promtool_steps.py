"""deploy check's promtool steps: a missing promtool skips them on a workstation, fails them under CI=true."""

import shutil

import pytest

from retail_dev.deploy import checks

STEPS = (checks.promtool_rules, checks.promtool_rule_tests, checks.dashboard_promql)


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.__name__)
def test_missing_promtool_is_a_failure_under_ci_and_a_named_skip_elsewhere(step, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    outcome = step()
    assert outcome.ok is False
    assert "promtool is not installed (apt-get install --no-install-recommends prometheus)" in outcome.summary
    monkeypatch.delenv("CI")
    assert step().ok is None


def test_the_rule_unit_tests_cover_both_rule_files():
    assert [path.name for path in checks.RULES] == ["retail-records.yaml", "retail-alerts.yaml"]
    assert {path.name for path in checks.RULE_TESTS} == {
        "availability.yaml",
        "performance.yaml",
        "events.yaml",
        "infrastructure.yaml",
    }
    for path in checks.RULE_TESTS:
        assert "rule_files: [../retail-records.yaml, ../retail-alerts.yaml]" in path.read_text()
