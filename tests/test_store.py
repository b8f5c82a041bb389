"""The store boundary (qa/store/base.py) is what the index, its verbs and its checks use: the embedded store
implements every member of it, with the same parameters, and nothing outside qa/store speaks SQL."""

import inspect
import re
from pathlib import Path

import pytest

from qa import store
from qa.store import base
from qa.store.derived import Derived
from qa.store.embedded import EmbeddedStore
from qa.store.transaction import Transaction

ROOT = Path(__file__).resolve().parent.parent


def members(protocol) -> dict:
    return {n: v for n, v in vars(protocol).items() if not n.startswith("_") and callable(v)}


@pytest.mark.parametrize(
    "protocol, implementation",
    [(base.Backend, store), (base.Store, EmbeddedStore), (base.Writer, Transaction), (base.SearchFiles, Derived)],
    ids=["Backend", "Store", "Writer", "SearchFiles"],
)
def test_the_embedded_store_implements_every_member_of_the_interface(protocol, implementation):
    for name, member in members(protocol).items():
        found = getattr(implementation, name, None)
        assert callable(found), f"{implementation.__name__} has no {name}"
        want = [p for p in inspect.signature(member).parameters if p != "self"]
        have = [p for p in inspect.signature(found).parameters if p != "self"]
        assert have[: len(want)] == want, (name, have, want)


def test_no_sql_outside_the_store():
    sql = re.compile(r"\b(execute|executemany|executescript)\(|\bimport sqlite3\b")
    outside = [
        str(f.relative_to(ROOT))
        for f in [*(ROOT / "qa").rglob("*.py"), *(ROOT / "bench").glob("*.py"), ROOT / "app.py"]
        if "store" not in f.relative_to(ROOT).parts and sql.search(f.read_text(encoding="utf-8"))
    ]
    assert outside == []
