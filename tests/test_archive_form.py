"""The Archive tab's form: what the chosen files would be indexed with (date from the file name or the masthead, paper
from the bylines, id from both), and the values typed into it used as `qa index add --date/--paper/--issue-id` uses
them (no model: parsing only)."""

from qa.inputs import masthead_date, read_uploads, upload_defaults

MASTHEAD = "株洲日报\n2021年5月8日 星期六\n\n"


def test_the_form_shows_the_date_of_the_file_name_the_paper_of_the_bylines_and_the_id_they_make(sample_path):
    blobs = [("株洲日报-2021-05-08.txt", sample_path.read_bytes())]
    assert upload_defaults(blobs) == {"date": "2021-05-08", "paper": "株洲日报", "issue_id": "株洲日报-2021-05-08"}


def test_without_a_date_in_the_name_the_form_takes_the_masthead_date(sample_path):
    data = MASTHEAD.encode() + sample_path.read_bytes()
    assert masthead_date("today.txt", data) == "2021-05-08"
    assert upload_defaults([("today.txt", data)]) == {
        "date": "2021-05-08",
        "paper": "株洲日报",
        "issue_id": "株洲日报-2021-05-08",
    }


def test_an_undated_file_shows_no_date_and_its_name_as_id(sample_path):
    assert upload_defaults([("sample-issue.txt", sample_path.read_bytes())]) == {
        "date": "",
        "paper": "株洲日报",
        "issue_id": "sample-issue",
    }


def test_a_date_inside_an_article_is_not_a_masthead(sample_path):
    article = "## 标题\n\n株洲日报讯 2020年1月2日,记者获悉。\n".encode()
    assert masthead_date("x.txt", sample_path.read_bytes() + article) is None


def test_files_of_several_issues_leave_the_form_empty(sample_path):
    data = sample_path.read_bytes()
    assert upload_defaults([("a-2021-05-08.txt", data), ("b-2021-05-09.txt", data)]) == {}
    assert upload_defaults([("junk.txt", b"\x00\x01\x02\xff" * 100)]) == {}


def test_typed_date_paper_and_id_are_used_for_the_indexed_issue(sample_path):
    blobs = [("sample-issue.txt", sample_path.read_bytes())]
    (issue,), failed = read_uploads(blobs, date="2021-05-08")
    assert failed == [] and (issue.issue_id, issue.paper, issue.date) == (
        "株洲日报-2021-05-08",
        "株洲日报",
        "2021-05-08",
    )
    (issue,), _ = read_uploads(blobs, paper="Zhuzhou Daily", issue_id="zzrb-0508", date="2021-05-08")
    assert (issue.issue_id, issue.paper, issue.date) == ("zzrb-0508", "Zhuzhou Daily", "2021-05-08")


def test_a_malformed_date_or_id_in_the_form_is_one_line_and_nothing_is_read(sample_path):
    blobs = [("sample-issue.txt", sample_path.read_bytes())]
    issues, failed = read_uploads(blobs, date="8 May 2021")
    assert issues == [] and failed == ["sample-issue.txt: invalid date '8 May 2021' (expected YYYY-MM-DD)"]
    issues, failed = read_uploads(blobs, issue_id="bad\tid")
    assert issues == [] and len(failed) == 1 and failed[0].startswith("issue id 'bad\\tid' is empty or holds control")


def test_a_date_typed_for_several_files_makes_them_one_issue_as_on_the_command_line(sample_path):
    text = sample_path.read_text(encoding="utf-8")
    half = text.index("## 城市更新有了新")
    blobs = [("a.txt", text[:half].encode()), ("b.txt", text[half:].encode("gb18030"))]
    assert [i.issue_id for i in read_uploads(blobs)[0]] == ["a", "b"]
    (issue,), _ = read_uploads(blobs, date="2021-05-08")
    assert issue.issue_id == "株洲日报-2021-05-08" and len(issue.articles) == 8
