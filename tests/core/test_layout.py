"""The test layout: tests live in package folders (tests/market/, tests/datalayer/ ...), tests/data/ holds
fixture data only, and test file names are unique across folders (the folders have no __init__.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_test_file_in_the_tests_root() -> None:
    stray = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert not stray, f"move into a package folder (tests/market/, tests/services/ ...): {stray}"


def test_no_test_module_in_the_fixture_folder_and_names_are_unique() -> None:
    assert not list((TESTS / "data").rglob("test_*.py"))
    names = Counter(p.name for p in TESTS.rglob("test_*.py") if "data" not in p.relative_to(TESTS).parts[:1])
    assert not [n for n, k in names.items() if k > 1]
