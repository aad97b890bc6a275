"""The seed report and its figures live in the repo (a clone without ../shared runs the whole suite).

Each copy is pinned by its SHA-256 as taken from shared/; where ../shared lies beside the checkout (the team's
machines and CI), the copies are compared with it too."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parents[1] / "shared"
COPIES = {  # in-repo copy → (path under shared/, SHA-256 of the shared file when copied)
    TESTS / "data" / "seeds" / "000_953c196bf98d5372.txt":
        ("seeds/000_953c196bf98d5372.txt", "6a0177c2aca50d41e87e844bb348af54f2357b1d705f274b21efc7a74738c504"),
    TESTS / "seed_figures.json":
        ("docs/seed_figures.json", "50d69023ec98b39fd5edbc910d37bdbd29a182a4ce6361fee9531db4a348be98"),
}


@pytest.mark.parametrize("copy", list(COPIES), ids=lambda p: p.name)
def test_the_in_repo_copy_is_the_one_taken_from_shared(copy):
    shared_path, digest = COPIES[copy]
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest
    shared = SHARED / shared_path
    if shared.exists():  # beside the team's checkouts and in CI; a person's clone has no ../shared
        assert copy.read_bytes() == shared.read_bytes()
