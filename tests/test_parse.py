"""Tests for qa.parse on the real sample issue and re-encoded / broken copies of it."""

import codecs
import hashlib
import random
import shutil
from pathlib import Path

import pytest

from qa.parse import ParseError, decode, parse_bytes, parse_file, parse_text

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "issues" / "sample-issue.txt"
RAW = SAMPLE.read_bytes()
TEXT = RAW.decode("utf-8")
SOURCE_LINES = TEXT.split("\n")

# (first line, second line, end of the first, start of the second) of every layout cut
CUTS = [
    (9, 11, "提", "供振兴支撑"),
    (29, 31, "优势传统产", "业与现代服务业"),
    (33, 35, "截至", "2020年底"),
    (125, 127, "中车", "电机"),
    (147, 149, "办", "好自家企业"),
    (172, 174, "范围内", "实行"),
    (178, 180, "增开", "了4对"),
    (184, 186, "“公交", "化”运营"),
    (196, 198, "实", "施改造"),
]


@pytest.fixture(scope="module")
def issue():
    return parse_file(SAMPLE)


def by_title(issue, start):
    (article,) = [a for a in issue.articles if a.title.startswith(start)]
    return article


def source_lines_of(paragraph):
    """Line numbers whose stripped text, concatenated, make up the paragraph."""
    rest, no, used = paragraph.text, paragraph.line, []
    if paragraph.kind == "list" and SOURCE_LINES[no - 1].startswith("- "):
        rest = "- " + rest
    while rest:
        line = SOURCE_LINES[no - 1].strip()
        if line:
            assert rest.startswith(line), (paragraph.line, no, line)
            rest = rest[len(line) :]
            used.append(no)
        no += 1
    return used


def test_articles_and_titles(issue):
    assert len(issue.articles) == TEXT.count("\n## ") == 8
    assert [a.no for a in issue.articles] == list(range(1, 9))
    assert [a.title for a in issue.articles] == [
        "362支工作队驻村助力乡村振兴",
        "株洲四项工作获国务院督查激励",
        "阳卫国主持召开市政府党组理论学习中心组(扩大)学习暨市政府常务会议",
        "渌口区 在全市率先开展营商环境评估",
        "红歌“快闪”颂党",
        "这场座谈会,他们成为座上宾",
        "长株潭城铁实现“公交化”运营",
        "城市更新有了新“平台”",
    ]
    assert [len(a.paragraphs) for a in issue.articles] == [3, 11, 8, 4, 1, 28, 9, 3]
    for a in issue.articles:
        assert [p.no for p in a.paragraphs] == list(range(1, len(a.paragraphs) + 1))


@pytest.mark.parametrize("first, second, tail, head", CUTS)
def test_each_cut_is_repaired(issue, first, second, tail, head):
    assert SOURCE_LINES[first - 1].endswith(tail)
    assert SOURCE_LINES[second - 1].startswith(head)
    (para,) = [p for a in issue.articles for p in a.paragraphs if tail + head in p.text]
    assert source_lines_of(para) == [first, second]
    assert para.text == SOURCE_LINES[first - 1] + SOURCE_LINES[second - 1]


def test_no_other_joins_and_every_line_accounted_for(issue):
    joined, used = set(), []
    for a in issue.articles:
        for p in a.paragraphs:
            lines = source_lines_of(p)
            joined |= set(zip(lines, lines[1:]))
            used += lines
    assert joined == {(f, s) for f, s, _, _ in CUTS}
    assert "党组织软弱涣散村提供振兴支撑" in issue.articles[0].paragraphs[1].text
    # the rest are titles, kickers and standalone bylines
    others = [n for n, line in enumerate(SOURCE_LINES, 1) if line.strip() and n not in used]
    assert len(used) == len(set(used))
    assert [SOURCE_LINES[n - 1] for n in others if not SOURCE_LINES[n - 1].startswith("#")] == [
        "连续6年,共有12项工作获表彰",
        "株洲日报·掌上株洲讯(记者/赖杰琦 通讯员/周策男 摄)",
        "株洲日报·掌上株洲记者/胡文浩",
        "株洲城发城市更新公司揭牌",
    ]


def test_colon_and_question_mark_end_paragraphs(issue):
    talk = by_title(issue, "这场座谈会")
    texts = [p.text for p in talk.paragraphs]
    assert "知株侠发现,与会企业家有两大特点:" in texts
    assert "企业在当今社会发展中居于怎样的地位?" in texts


def test_bylines_and_reporters(issue):
    first, second = issue.articles[0], issue.articles[1]
    assert first.reporters == ["李军", "江先国"]
    assert first.bylines == ["株洲日报·掌上株洲讯(记者/李军 通讯员/江先国)"]
    assert first.paragraphs[0].text.startswith("株洲日报·掌上株洲讯(记者/李军 通讯员/江先国) 5月7日")
    assert second.reporters == ["陈正明", "刘毅", "廖建翔"]
    talk = by_title(issue, "这场座谈会")
    assert talk.reporters == ["胡文浩"]
    assert talk.bylines == ["株洲日报·掌上株洲记者/胡文浩"]
    assert not any("胡文浩" in p.text for p in talk.paragraphs)
    assert talk.paragraphs[0].text.startswith("5月5日下午")
    song = by_title(issue, "红歌")
    assert song.reporters == ["赖杰琦", "周策男"]
    assert song.bylines == ["株洲日报·掌上株洲讯(记者/赖杰琦 通讯员/周策男 摄)"]
    assert [p.text[:6] for p in song.paragraphs] == ["近日,芦淞区"]
    assert issue.paper == "株洲日报"


def test_kickers_and_sections(issue):
    second = issue.articles[1]
    assert second.kickers == [
        "连续6年,共有12项工作获表彰",
        "相关链接",
        "这些工作为何能获通报表扬?",
        "6年来,我市这些工作获国务院表彰激励",
    ]
    assert [p.section for p in second.paragraphs[:3]] == [None, None, "这些工作为何能获通报表扬?"]
    assert by_title(issue, "城市更新").kickers == ["株洲城发城市更新公司揭牌"]
    talk = by_title(issue, "这场座谈会")
    assert talk.paragraphs[0].section is None
    assert talk.paragraphs[-1].section == "“为企业做好服务是我们的本职工作”"


def test_list_items(issue):
    numbered = [p for p in issue.articles[1].paragraphs if p.kind == "list"]
    assert [p.text[:8] for p in numbered] == [f"{i}. {y}年" for i, y in enumerate(range(2021, 2015, -1), 1)]
    assert numbered[0].line == 39
    rail = by_title(issue, "长株潭城铁")
    assert [(p.kind, p.text[:6]) for p in rail.paragraphs[:3]] == [
        ("list", "8日启用新的"),
        ("list", "开行动车组列"),
        ("body", "株洲日报·掌"),
    ]
    assert rail.paragraphs[1].text == "开行动车组列车最高将达100.5对,首末班车较此前分别提前和延长约半小时"
    assert all(p.kind == "body" for p in issue.articles[0].paragraphs)


def test_issue_fields(issue):
    assert issue.issue_id == "sample-issue"
    assert issue.date is None
    assert issue.source == str(SAMPLE)
    assert issue.source_hash == hashlib.sha256(RAW).hexdigest()
    dated = parse_file(SAMPLE, date="2021-05-08")
    assert (dated.issue_id, dated.date) == ("株洲日报-2021-05-08", "2021-05-08")
    assert parse_file(SAMPLE, issue_id="x1").issue_id == "x1"
    other = parse_file(SAMPLE, date="2021-05-08", paper="湖南日报")
    assert (other.issue_id, other.paper) == ("湖南日报-2021-05-08", "湖南日报")


@pytest.mark.parametrize("fname", ["zzrb_20210508.txt", "zzrb-2021-05-08.txt", "zzrb_2021_05_08.txt", "2021.05.08.txt"])
def test_date_from_file_name(tmp_path, fname):
    path = tmp_path / fname
    shutil.copyfile(SAMPLE, path)
    got = parse_file(path)
    assert (got.date, got.issue_id) == ("2021-05-08", "株洲日报-2021-05-08")


@pytest.mark.parametrize("bad", ["2021-13-40", "2021-02-30", "May 8", "20210508x"])
def test_bad_date_is_refused(bad):
    with pytest.raises(ParseError) as err:
        parse_bytes(RAW, "data/issues/sample-issue.txt", date=bad)
    assert str(err.value).startswith("data/issues/sample-issue.txt: invalid date")
    assert "\n" not in str(err.value)


def test_unknown_paper_uses_stem():
    data = "## 标题\n\n正文一句。".encode()
    assert parse_bytes(data, "notes_20210508.txt").issue_id == "notes_20210508"
    got = parse_bytes(data, "notes.txt", date="2021-05-09")
    assert (got.issue_id, got.paper) == ("notes-2021-05-09", None)


def reencode(kind):
    if kind == "utf-8-bom":
        return codecs.BOM_UTF8 + TEXT.encode("utf-8")
    if kind == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")
    if kind == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")
    if kind == "crlf":
        return TEXT.replace("\n", "\r\n").encode("utf-8")
    if kind == "cr":
        return TEXT.replace("\n", "\r").encode("utf-8")
    if kind == "gb18030-crlf":
        return TEXT.replace("\n", "\r\n").encode("gb18030")
    if kind == "padded":
        return "\n".join(f"\u3000\u3000{line}\u00a0 " for line in SOURCE_LINES).encode("utf-8")
    return TEXT.encode(kind)


@pytest.mark.parametrize(
    "kind", ["utf-8-bom", "gb18030", "gbk", "utf-16-le-bom", "utf-16-be-bom", "crlf", "cr", "gb18030-crlf", "padded"]
)
def test_encodings_give_identical_articles(tmp_path, issue, kind):
    data = reencode(kind)
    assert data != RAW
    path = tmp_path / "sample-issue.txt"
    path.write_bytes(data)
    got = parse_file(path)
    assert got.articles == issue.articles
    assert (got.issue_id, got.paper) == ("sample-issue", "株洲日报")
    assert got.source_hash == hashlib.sha256(data).hexdigest() != issue.source_hash


def test_decode_prefers_utf8_then_gb18030():
    assert decode("株洲日报".encode()) == "株洲日报"
    assert decode("株洲日报".encode("gb18030")) == "株洲日报"
    assert decode(codecs.BOM_UTF8 + b"abc") == "abc"


def binary_data():
    return b"\x7fELF\x02\x01\x01\x00" + random.Random(0).randbytes(2048)


def gb18030_junk():
    # valid four-byte GB18030 codes, invalid UTF-8: decodes to scattered non-CJK characters
    r = random.Random(0)
    return b"".join(
        bytes([r.randint(0x81, 0x83), r.randint(0x30, 0x39), r.randint(0x81, 0xFE), r.randint(0x30, 0x39)])
        for _ in range(300)
    )


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "empty file"),
        (b" \r\n\t\n  \n", "empty file"),
        ("\u3000\u3000\n\u00a0\n".encode("utf-8"), "empty file"),
        (codecs.BOM_UTF16_LE + "  \n".encode("utf-16-le"), "empty file"),
        (binary_data(), "not a text file (binary data)"),
        (b"\x89PNG\r\n\x1a\n" + random.Random(0).randbytes(2048), "not a readable image (damaged, or not an image)"),
        (b"## t\n" + bytes(range(1, 32)) * 4, "not a text file (binary data)"),
        ("## 标题\n正文".encode() + b"\x81\x20abc" * 20, "cannot decode text"),
        (gb18030_junk(), "not a text file (decodes to mostly unreadable characters)"),
    ],
)
def test_bad_files_are_refused(tmp_path, data, why):
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    with pytest.raises(ParseError) as err:
        parse_file(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: {why}")
    assert len(msg.splitlines()) == 1
    assert isinstance(err.value, ValueError)


def test_file_without_headings_is_one_article():
    data = "第一段没有标题。\n\n第二段被截\n\n断了。\n\n- 列表项".encode("gb18030")
    got = parse_bytes(data, "data/issues/loose-notes.txt")
    [article] = got.articles
    assert (article.no, article.title, article.kickers) == (1, "loose-notes", [])
    assert [(p.text, p.kind, p.line) for p in article.paragraphs] == [
        ("第一段没有标题。", "body", 1),
        ("第二段被截断了。", "body", 3),
        ("列表项", "list", 7),
    ]
    assert (got.issue_id, got.source) == ("loose-notes", "data/issues/loose-notes.txt")


def test_text_before_first_heading_gets_its_own_article():
    articles = parse_text("\n本期导读。\n\n## 正文标题\n\n正文。\n", name="issue-7")
    assert [(a.no, a.title) for a in articles] == [(1, "issue-7"), (2, "正文标题")]
    assert [p.text for p in articles[0].paragraphs] == ["本期导读。"]
    assert [a.title for a in parse_text("\n\n## 只有标题\n", name="x")] == ["只有标题"]


def test_short_caption_alone_stays_a_paragraph():
    [article] = parse_text("## 美景\n\n湘江风光带\n\n株洲日报·掌上株洲讯(记者/张三 摄)\n", name="x")
    assert (article.kickers, article.reporters) == ([], ["张三"])
    assert [(p.no, p.text, p.line) for p in article.paragraphs] == [(1, "湘江风光带", 3)]


def test_bare_byline_roles_are_not_names():
    [article] = parse_text("## 题\n\n文/图 记者/李四 王五\n\n正文。\n", name="x")
    assert article.reporters == ["李四", "王五"]
    assert [p.text for p in article.paragraphs] == ["正文。"]
