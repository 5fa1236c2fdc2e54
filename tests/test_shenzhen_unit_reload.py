"""The Shenzhen reader's unit test follows a reloaded vocabulary (a province file added at run
time): no cache of its own keeps the answers of the vocabulary before."""

from reviewer.domain import vocabulary as vocab_module
from reviewer.extract.layouts import shenzhen


def test_a_unit_added_at_run_time_joins_its_number(tmp_path, monkeypatch):
    assert shenzhen._merge_units(["4", "艘"]) == ["4", "艘"]  # asked once: a stale cache would keep this
    assert shenzhen._wraps_into("共4", "艘") is None
    (tmp_path / "ships.toml").write_text('[values]\nunit_cells = ["艘"]\n', encoding="utf-8")
    monkeypatch.setenv("REVIEWER_VOCABULARY", str(tmp_path))
    try:
        vocab_module.reload()
        assert shenzhen._merge_units(["4", "艘"]) == ["4 艘"]
        assert shenzhen._wraps_into("共4", "艘") == "unit"
    finally:
        monkeypatch.delenv("REVIEWER_VOCABULARY")
        vocab_module.reload()
    assert shenzhen._merge_units(["4", "艘"]) == ["4", "艘"]
