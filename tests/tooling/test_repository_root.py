"""retail_dev finds the repository root from $RETAIL_ROOT or by looking upward for manage_all.py."""

from pathlib import Path

import pytest

from retail_dev.paths import ROOT, RepositoryNotFound, find_root


def test_the_checkout_is_found_from_the_package_itself():
    assert (ROOT / "manage_all.py").is_file()
    assert find_root(starts=[ROOT / "apps" / "devtools" / "retail_dev"]) == ROOT


def test_a_start_outside_any_checkout_falls_through_to_the_next(tmp_path):
    checkout = tmp_path / "shop"
    (checkout / "apps" / "deep").mkdir(parents=True)
    (checkout / "manage_all.py").write_text("")
    outside = tmp_path / "site-packages" / "retail_dev"
    outside.mkdir(parents=True)

    assert find_root(starts=[outside, checkout / "apps" / "deep"]) == checkout


def test_the_override_wins_and_must_be_a_checkout(tmp_path):
    (tmp_path / "manage_all.py").write_text("")
    assert find_root(override=str(tmp_path), starts=[ROOT]) == tmp_path

    with pytest.raises(RepositoryNotFound, match=r"RETAIL_ROOT=.* holds no manage_all.py"):
        find_root(override=str(tmp_path / "missing"), starts=[ROOT])


def test_nowhere_to_find_it_names_the_variable(tmp_path):
    assert not any((Path(p) / "manage_all.py").is_file() for p in (tmp_path, *tmp_path.parents))
    with pytest.raises(RepositoryNotFound) as raised:
        find_root(starts=[tmp_path])
    assert str(tmp_path) in str(raised.value)
    assert "set RETAIL_ROOT" in str(raised.value)
