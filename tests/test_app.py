"""The web chat end to end: app.py served on localhost, driven through gradio_client."""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sample_formats
from chat_server import client, free_port, mode_line, serve, stop

from qa.render import CITATION_CUT

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "issues" / "sample-issue.txt"
NEW_ISSUE_NAME = "株洲日报-2021-05-09.txt"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def new_issue_file(folder: Path) -> Path:
    """Another issue: the sample's railway article alone, saved as GB18030 under a dated file name."""
    text = SAMPLE.read_text(encoding="utf-8")
    start = text.index("## 长株潭城铁实现")
    end = text.index("## 城市更新有了新")
    path = folder / NEW_ISSUE_NAME
    path.write_bytes(text[start:end].encode("gb18030"))
    return path


def reply_text(history: list) -> str:
    """The text of the last message of a chat history as the client returns it."""
    content = history[-1]["content"]
    return "".join(c.get("text", "") for c in content) if isinstance(content, list) else str(content)


def short_answer(reply: str) -> tuple[str, int] | None:
    """(the short answer, the rank of the citation its [n] points at) at the top of a reply, after how a follow-up
    was understood; None when the reply has no short answer."""
    m = re.match(
        r'(?:<p class="qa-understood">[^\n]*</p>\n)?<p class="qa-short"><b>([^<]*)</b> <span class="qa-ref qa-ref-(\d+)"',
        reply,
    )
    return (m[1], int(m[2])) if m else None


def understood_as(reply: str) -> str | None:
    m = re.match(r'<p class="qa-understood">理解为: ([^<]*)</p>', reply)
    return m[1] if m else None


def citations(reply: str) -> list[str]:
    """The citation lines of a reply, as shown folded: [n] paper · date · title · paragraph · 得分 s."""
    return re.findall(r'<details class="qa-cite qa-cite-\d+"><summary>([^<]*)</summary>', reply)


def scores(reply: str) -> list[float]:
    return [float(line.rsplit(" ", 1)[1]) for line in citations(reply)]


def ask(c, question, history=None, k=5, issues=None, mode="hybrid", explained=None):
    history, box, explain = c.predict(question, history or [], k, issues or [], mode, api_name="/ask")
    assert box == ""  # the question box is cleared for the next question
    if explained is not None:
        explained.append(explain)
    return history


@pytest.fixture(scope="module")
def app(sample_index, tmp_path_factory):
    """app.py serving a copy of the sample index (the tests add and remove issues)."""
    import shutil

    index_dir = tmp_path_factory.mktemp("app") / "index"
    shutil.copytree(sample_index, index_dir)
    t0 = time.monotonic()
    proc, url = serve(index_dir)
    try:
        said = mode_line(proc)
        c = client(url)
        history = ask(c, "市派驻村工作队有多少支?")
        print(f"\napp.py with a built index: first answer {time.monotonic() - t0:.1f} s after start")
        yield {"client": c, "url": url, "index_dir": index_dir, "first": history, "proc": proc, "said": said}
    finally:
        log = stop(proc)
        assert "Traceback" not in log, log


def test_says_at_start_that_it_serves_on_loopback_only(app):
    assert app["said"] == (
        f"app: loopback mode at {app['url']}: only this machine can connect; no login; the archive can be changed"
    )


def test_answers_in_chinese_with_citations(app):
    history = app["first"]
    assert [m["role"] for m in history] == ["user", "assistant"]
    reply = reply_text(history)
    assert short_answer(reply) == ("45支", 1)  # the short answer first, pointing at its citation
    cites = [line for line in reply.splitlines() if line.startswith('<details class="qa-cite')]
    assert 2 <= len(cites) <= 5 and len(cites) == len(citations(reply))
    assert citations(reply)[0].startswith("[1] 株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段 · 得分 ")
    assert "<mark>" in cites[0] and "<b>45支</b>" in cites[0]  # the supporting sentence and the answer in it
    assert min(scores(reply)) >= CITATION_CUT * max(scores(reply))  # none far below the best


@pytest.mark.slow  # builds an index (embeds 67 passages), then starts the app: ~13-22 s
def test_programs_get_the_answer_as_json_data_with_follow_ups_from_their_history(app):
    """POST and GET /api/ask and the Gradio endpoint /answer: Answer.to_dict() and its passages, not chat HTML."""
    import httpx

    url = app["url"]
    first = httpx.post(f"{url}api/ask", json={"question": "派出了多少支驻村工作队?"}, timeout=120).json()
    assert first["text"] == "362支" and first["question"] == "派出了多少支驻村工作队?"
    assert first["passages"][0]["citation"] == "株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段"
    assert {"sentence", "confidence", "verdict", "understood_as", "answer_start", "passage_id"} <= set(first)
    follow = httpx.post(
        f"{url}api/ask", json={"question": "那市派的呢?", "history": ["驻村工作队有多少支?"], "k": 3}, timeout=120
    ).json()
    assert follow["text"] == "45支" and follow["understood_as"] and "市派" in follow["understood_as"]
    assert len(follow["passages"]) <= 3
    got = httpx.get(f"{url}api/ask", params={"question": "今年计划改造多少个老旧小区?", "mode": "lexical"}, timeout=120)
    assert got.status_code == 200 and got.json()["text"] == "169个"
    answer = app["client"].predict("那市派的呢?", ["驻村工作队有多少支?"], 3, [], "hybrid", api_name="/answer")
    assert answer["text"] == "45支" and answer["passages"][0]["issue_id"] == "sample-issue"
    assert app["client"].predict("市派驻村工作队有多少支?", api_name="/answer")["text"] == "45支"  # the rest optional


def test_first_run_builds_the_default_index(tmp_path):
    """No index yet: app.py builds one from data/issues/*.txt, then serves it."""
    index_dir = tmp_path / "index"
    t0 = time.monotonic()
    proc, url = serve(index_dir)
    try:
        # the first run embeds the issue before serving: minutes on 2 busy cores (what is tested is that it serves)
        mode_line(proc, timeout=900)
        reply = reply_text(ask(client(url), "今年计划改造多少个老旧小区?"))
        print(f"\nfirst run (build + serve): first answer {time.monotonic() - t0:.1f} s after start")
    finally:
        log = stop(proc)
    assert short_answer(reply) == ("169个", 1)
    n_files = len(list((ROOT / "data" / "issues").glob("*.txt")))
    assert f"app: no index at {index_dir}/: building it from {n_files} file(s)" in log
    assert "app: sample-issue: added, 67 passages" in log and "Traceback" not in log
    assert (index_dir / "qa.db").is_file()


def test_english_question_and_follow_up(app):
    c = app["client"]
    explained = []
    history = ask(
        c, "How many pairs of trains will the Changsha-Zhuzhou-Xiangtan intercity railway run?", explained=explained
    )
    first = reply_text(history)
    assert "<b>English words searched as Chinese terms</b> (weight):" in explained[0]
    assert "<li><i>railway</i> → 铁路 (" in explained[0]
    assert "[1] 株洲日报 · 长株潭城铁实现“公交化”运营" in first
    assert "100.5对" in first
    # a follow-up keeps the history on screen and is answered on its own
    history = ask(c, "今年计划改造多少个老旧小区?", history)
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    assert reply_text(history[:2]) == first
    second = reply_text(history)
    assert "169个" in second and "城市更新有了新“平台”" in second and "长株潭城铁" not in second.split("\n")[0]


def test_a_chinese_follow_up_is_answered_with_the_earlier_question_and_says_how_it_was_understood(app):
    c = app["client"]
    history = ask(c, "驻村工作队有多少支?")
    assert "362支" in reply_text(history).split("<details", 1)[0]  # the short answer, or the sentence holding it
    history = ask(c, "那市派的呢?", history)
    reply = reply_text(history)
    assert understood_as(reply) == "市派驻村工作队有多少支?" and short_answer(reply) == ("45支", 1)
    assert [m["role"] for m in history] == ["user", "assistant"] * 2 and reply_text(history[:3]) == "那市派的呢?"


def test_an_english_follow_up_is_answered_with_the_earlier_question(app):
    c = app["client"]
    history = ask(c, "How many village work teams did Zhuzhou send out?")
    history = ask(c, "And the counties and districts?", history)
    reply = reply_text(history)
    assert understood_as(reply) == "How many village work teams did Zhuzhou send out, the counties and districts?"
    assert short_answer(reply) == ("312支", 1)


def test_a_new_topic_is_not_mixed_with_the_earlier_question(app):
    c = app["client"]
    history = ask(c, "芦淞区那个红歌快闪有多少人参加?")
    reply = reply_text(ask(c, "市里派下去驻村的工作队有几支?", history))
    assert understood_as(reply) is None and "理解为" not in reply and short_answer(reply) == ("45支", 1)


def test_with_no_sure_short_answer_the_best_sentence_is_shown_and_said_to_be_unsure(app):
    c = app["client"]
    history = ask(c, "晚上九点半以后从株洲南去长沙的直达车要坐多久?")
    reply = reply_text(ask(c, "湘潭过去呢?", history))
    assert understood_as(reply) == "晚上九点半以后从湘潭去长沙的直达车要坐多久?" and short_answer(reply) is None
    head = reply.split("<details", 1)[0]
    assert '<p class="qa-short">没有把握给出简短答案。最相关的一句如下,它可能并没有回答这个问题:</p>' in head
    sentence = '<blockquote class="qa-sentence">每天21时30分后,还开行株洲南、湘潭往长沙的大站直达列车8趟,运行时间分别压缩至47分钟和37分钟。'
    assert sentence + ' <span class="qa-ref qa-ref-1" role="link" tabindex="0">[1]</span></blockquote>' in head
    assert citations(reply)[0].startswith("[1] 株洲日报 · 长株潭城铁实现“公交化”运营 · 第5段")


def test_settings_k_mode_and_issue_filter(app):
    c = app["client"]
    for mode in ("dense", "lexical"):
        reply = reply_text(ask(c, "城市更新公司什么时候揭牌?", k=2, mode=mode))
        assert 1 <= len(citations(reply)) <= 2, mode
    issues = c.predict(api_name="/issues")
    assert [i["issue_id"] for i in issues] == ["sample-issue"] and issues[0]["passages"] == 67
    reply = reply_text(ask(c, "市派驻村工作队有多少支?", k=3, issues=["sample-issue"]))
    assert 1 <= len(citations(reply)) <= 3


def test_friendly_messages_not_tracebacks(app):
    c = app["client"]
    assert ask(c, "   ") == []  # an empty question adds nothing (the page says so in a toast)
    reply = reply_text(ask(c, "长" * 501))
    assert reply == "这个问题有 501 个字符;请控制在 500 个字符以内。"
    reply = reply_text(ask(c, "qwxz zzyzx"))  # nothing in the archive matches: the closest passages, said so
    assert reply.startswith('<p class="qa-short">报纸上似乎没有提到这一点。以下是最接近的段落:</p>')
    assert short_answer(reply) is None and "Traceback" not in reply


def test_upload_search_and_remove_an_issue(app, tmp_path):
    from gradio_client import handle_file

    c = app["client"]
    path = new_issue_file(tmp_path)
    note, table, *_ = c.predict([handle_file(str(path))], False, api_name="/add_issues")
    assert "株洲日报-2021-05-09: added, " in note
    assert [row[:3] for row in table["data"]] == [
        ["株洲日报-2021-05-09", "株洲日报", "2021-05-09"],
        ["sample-issue", "株洲日报", ""],
    ]  # newest first
    # the same file again changes nothing
    note, *_ = c.predict([handle_file(str(path))], False, api_name="/add_issues")
    assert "株洲日报-2021-05-09: unchanged" in note

    # a new client (whose session knows only the issues of the start) filters on the new issue and removes it
    c = client(app["url"])
    reply = reply_text(ask(c, "每天21时30分后开行多少趟大站直达列车?", issues=["株洲日报-2021-05-09"]))
    assert short_answer(reply) == ("8趟", 1)
    assert "[1] 株洲日报 · 2021-05-09 · 长株潭城铁实现“公交化”运营" in reply
    assert "362支" not in reply  # only the chosen issue was searched

    note, table, *_ = c.predict("株洲日报-2021-05-09", api_name="/remove_issue")
    assert "株洲日报-2021-05-09: removed" in note
    assert [row[0] for row in table["data"]] == ["sample-issue"]
    assert [i["issue_id"] for i in c.predict(api_name="/issues")] == ["sample-issue"]


def test_date_paper_and_id_typed_in_the_archive_form_are_used_in_the_citations(app, tmp_path):
    """An undated file with a date, paper and id typed in the form: its citations carry them; the same id from another
    file is refused naming the page's Replace checkbox (替换…), not the command line's flags, in the page's Chinese."""
    from gradio_client import handle_file

    c = app["client"]
    path = tmp_path / "railway.txt"
    path.write_bytes(new_issue_file(tmp_path).read_bytes())
    note, table, *_ = c.predict([handle_file(str(path))], False, "2021-06-01", "", "", api_name="/add_issues")
    assert note.startswith("✓ 株洲日报-2021-06-01: added, ")
    assert table["data"][0][:3] == ["株洲日报-2021-06-01", "株洲日报", "2021-06-01"]
    reply = reply_text(ask(c, "每天21时30分后开行多少趟大站直达列车?", issues=["株洲日报-2021-06-01"]))
    assert "<b>8趟</b>" in reply and "[1] 株洲日报 · 2021-06-01 · 长株潭城铁实现“公交化”运营" in reply

    note, *_ = c.predict([handle_file(str(SAMPLE))], False, "2021-06-01", "", "", api_name="/add_issues")
    assert note == (
        "✗ 未添加任何内容:期号 '株洲日报-2021-06-01' 已从另一个文件索引;如要替换,请勾选“替换已从其他文件索引的同一期”,"
        "或填写另一个期号"
    )
    note, table, *_ = c.predict(
        [handle_file(str(path))], False, "2021-06-02", "Zhuzhou Daily", "zzrb-june", api_name="/add_issues"
    )
    assert note.startswith("✓ zzrb-june: added, ") and table["data"][0][:3] == [
        "zzrb-june",
        "Zhuzhou Daily",
        "2021-06-02",
    ]
    note, *_ = c.predict([handle_file(str(path))], False, "June 1st", "", "", api_name="/add_issues")
    assert note == "✗ railway.txt: invalid date 'June 1st' (expected YYYY-MM-DD)"
    for issue_id in ("株洲日报-2021-06-01", "zzrb-june"):
        note, *_ = c.predict(issue_id, api_name="/remove_issue")
        assert note == f"✓ {issue_id}: removed"


def test_article_pages_of_one_day_uploaded_together_are_one_issue_cited_by_page(app, tmp_path):
    """A digital edition's eight GBK article pages, named by their day: one issue; its citations name the page."""
    from gradio_client import handle_file

    c = app["client"]
    pages = []
    for i in range(8):
        pages.append(tmp_path / f"zzrb-2021-05-11-{i + 1:02d}.htm")
        pages[-1].write_bytes(sample_formats.article_html(i))
    note, table, *_ = c.predict([handle_file(str(p)) for p in pages], False, api_name="/add_issues")
    assert note.startswith("✓ 株洲日报-2021-05-11: added, 67 passages") and "\n" not in note
    reply = reply_text(ask(c, "市派驻村工作队有多少支?", issues=["株洲日报-2021-05-11"]))
    assert "<b>45支</b>" in reply and "[1] 株洲日报 · 2021-05-11 · 第1版 · 362支工作队驻村助力乡村振兴 · 第1段" in reply
    note, *_ = c.predict("株洲日报-2021-05-11", api_name="/remove_issue")
    assert note == "✓ 株洲日报-2021-05-11: removed"


def test_upload_of_a_bad_file_is_one_line(app, tmp_path):
    from gradio_client import handle_file

    c = app["client"]
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02\xff" * 100)
    note, table, *_ = c.predict([handle_file(str(bad))], False, api_name="/add_issues")
    assert note.startswith("✗ broken.txt: ") and "\n" not in note and "Traceback" not in note
    assert [row[0] for row in table["data"]] == ["sample-issue"]


def test_upload_several_files_at_once(app, tmp_path):
    """Two good files in two encodings and a bad one: the good ones are added together, the bad one named."""
    from gradio_client import handle_file

    c = app["client"]
    first = new_issue_file(tmp_path)
    text = SAMPLE.read_text(encoding="utf-8")
    second = tmp_path / "株洲日报-2021-05-10.txt"
    second.write_bytes(text[text.index("## 城市更新有了新") :].encode("utf-16"))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    note, table, *_ = c.predict([handle_file(str(p)) for p in (first, second, empty)], False, api_name="/add_issues")
    lines = note.split("\n\n")
    assert lines[0].startswith("✓ 株洲日报-2021-05-09: added") and lines[1].startswith("✓ 株洲日报-2021-05-10: added")
    assert lines[2].startswith("✗ empty.txt: ") and len(lines) == 3
    assert [row[0] for row in table["data"]] == ["株洲日报-2021-05-10", "株洲日报-2021-05-09", "sample-issue"]
    assert "<b>169个</b>" in reply_text(ask(c, "今年计划改造多少个老旧小区?", issues=["株洲日报-2021-05-10"]))
    for issue_id in ("株洲日报-2021-05-09", "株洲日报-2021-05-10"):
        note, *_ = c.predict(issue_id, api_name="/remove_issue")
        assert note == f"✓ {issue_id}: removed"
    assert [i["issue_id"] for i in c.predict(api_name="/issues")] == ["sample-issue"]


def test_missing_index_then_first_issue_from_the_page(tmp_path):
    """Served on a folder with no index: a friendly note; the first upload creates the index; removing it empties it."""
    from gradio_client import handle_file

    from qa.ui import build

    outbound = []

    def watch(event, args):  # every name lookup and connection the process makes while the test runs
        if event == "socket.getaddrinfo" and args[0] not in LOOPBACK:
            outbound.append(args[0])
        elif event == "socket.connect" and isinstance(args[1], tuple) and args[1][0] not in LOOPBACK:
            outbound.append(args[1])

    sys.addaudithook(watch)  # audit hooks cannot be removed; watch only records
    index_dir = tmp_path / "none"
    demo = build(index_dir)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    try:
        c = client(f"http://127.0.0.1:{port}/")
        reply = reply_text(ask(c, "市派驻村工作队有多少支?"))
        assert reply.startswith("<code>") and "还没有索引" in reply and "<b>报纸库</b>" in reply
        note, *_ = c.predict([handle_file(str(new_issue_file(tmp_path)))], False, api_name="/add_issues")
        assert "株洲日报-2021-05-09: added" in note
        assert "8趟" in reply_text(ask(c, "每天21时30分后开行多少趟大站直达列车?"))
        c.predict("株洲日报-2021-05-09", api_name="/remove_issue")
        assert reply_text(ask(c, "列车")) == "报纸库是空的:请在<b>报纸库</b>标签页添加报纸文件。"
    finally:
        demo.close()
    assert outbound == []  # no analytics, no version check, no model download: the app stays on this machine


def test_feedback_is_stored_and_exported(sample_index, tmp_path):
    import shutil

    from qa import store
    from qa.cli import main

    index_dir = tmp_path / "index"
    shutil.copytree(sample_index, index_dir)
    citations = [{"rank": 1, "citation": "株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段", "id": 1}]
    store.add_feedback(index_dir, "市派驻村工作队有多少支?", "45支", citations, liked=True)
    rated = store.add_feedback(index_dir, "How many teams?", None, [], liked=False)
    store.comment_feedback(index_dir, rated, "no answer, but 362支 is in the paper")
    out = tmp_path / "feedback.jsonl"
    assert main(["feedback", "export", "--index-dir", str(index_dir), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["rating"], r["question"], r["answer"]) for r in rows] == [
        ("up", "市派驻村工作队有多少支?", "45支"),
        ("down", "How many teams?", None),
    ]
    assert [r["comment"] for r in rows] == [None, "no answer, but 362支 is in the paper"]
    assert rows[0]["citations"] == citations and rows[0]["model_id"] == "use-multilingual-v3"
    # feedback survives a rebuild of the index
    from qa.index import write
    from qa.parse import parse_file

    write(index_dir, [parse_file(SAMPLE)], fresh=True)
    assert len(store.feedback(index_dir)) == 2
    assert main(["feedback", "export", "--index-dir", str(tmp_path / "missing")]) == 1


def test_app_refuses_another_model_for_an_existing_index(sample_index):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "app.py"),
            "--index-dir",
            str(sample_index),
            "--model",
            "all-MiniLM-L6-v2",
            "--port",
            str(free_port()),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("app: error: ") and "qa index rebuild --model" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_conversation_is_exported_as_markdown_and_json_with_its_citations(sample_index):
    from qa.chat import Archive, ask
    from qa.ui.conversation import export_files

    archive = Archive(sample_index, editable=False)
    history, _, first = ask(archive, "驻村工作队有多少支?", [], 5, [], "hybrid")
    history, _, second = ask(archive, "那市派的呢?", history, 5, [], "hybrid")
    md, js = map(Path, export_files({1: first, 3: second}, "zh"))
    assert (md.name, js.name) == ("conversation.md", "conversation.json")
    text = md.read_text(encoding="utf-8")
    assert "## 问1: 驻村工作队有多少支?" in text and "## 问2: 那市派的呢?" in text
    assert "理解为: 市派驻村工作队有多少支?\n\n答: **45支** (可信度 0.9" in text
    assert "\n[1] 株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段 · 得分 " in text
    turns = json.loads(js.read_text(encoding="utf-8"))["turns"]
    assert [(t["question"], t["understood_as"], t["answer"]) for t in turns] == [
        ("驻村工作队有多少支?", None, first["answer"]),  # 362支 when sure enough, else none (the best sentence)
        ("那市派的呢?", "市派驻村工作队有多少支?", "45支"),
    ]
    assert first["answer"] in (None, "362支") and "362支" in first["sentence"]
    cited = turns[1]["citations"][0]
    assert cited["rank"] == 1 and cited["citation"] == "株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段"
    assert "市派驻村工作队45支" in cited["text"]


def test_a_kept_conversation_comes_back_and_what_is_malformed_is_dropped():
    from qa.ui.conversation import restored, saved

    history = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "<b>a</b>"}]
    records = {1: {"question": "q", "answer": "a", "citations": []}}
    assert restored(json.loads(json.dumps(saved(history, records, "en")))) == (history, records, "en")
    kept = {"chat": history + ["junk"], "records": [[1, records[1]], [7, records[1]], ["1", {}], 3], "lang": "fr"}
    assert restored(kept) == (history, records, "zh")
    assert restored(None) == ([], {}, "zh") and restored({"chat": "x", "records": {}}) == ([], {}, "zh")


def test_the_chats_warm_up_loads_what_a_readers_first_questions_need(sample_index):
    """In a fresh process, as app.py starts: the English dictionary, jieba's part-of-speech tagger and its tables for
    unknown words (qa.postag) are loaded by Archive.warm_up, not by the first reader's question."""
    script = (
        "import sys\n"
        "from qa.chat import Archive\n"
        "from qa import postag\n"
        "from qa.translate import dictionary\n"
        "assert 'jieba.posseg' not in sys.modules and not postag._models\n"
        f"Archive({str(sample_index)!r}).warm_up()\n"
        "print(dictionary.load.cache_info().currsize, 'jieba.posseg' in sys.modules, len(postag._models))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split() == ["1", "True", "1"]
