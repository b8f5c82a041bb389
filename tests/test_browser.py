"""The web chat in a real browser: Debian's chromium, headless, driven by Playwright; screenshots in tests/artifacts/."""

import shutil
import time
from pathlib import Path

import pytest
from chat_server import client, mode_line, serve, stop
from test_app import SAMPLE, new_issue_file
from test_web_access import HOSTILE_ID, HOSTILE_NAME, HOSTILE_PAPER, HOSTILE_QUESTION, hostile_issue

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LOCAL = ("http://127.0.0.1", "data:", "blob:")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(sample_index, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(sample_index, index_dir)
    proc, url = serve(index_dir)
    try:
        mode_line(proc)
        client(url)
        yield url, index_dir
    finally:
        log = stop(proc)
        assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.skip("needs Debian's chromium: apt-get install chromium fonts-noto-cjk")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def open_page(browser, url: str, **context):
    """A fresh page on the app (a browser context of these settings); any request that leaves the machine is blocked
    and recorded in page.external."""
    context = browser.new_context(locale="en-US", **context)
    page = context.new_page()
    page.external = []

    def route(r):
        if r.request.url.startswith(LOCAL):
            r.continue_()
        else:
            page.external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    return page


@pytest.fixture
def page(browser, served):
    page = open_page(browser, served[0], viewport={"width": 1280, "height": 1000})
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, served):
    """The page on a phone: 390×844 CSS pixels, touch."""
    page = open_page(browser, served[0], viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    return path


def bot_messages(page):
    return page.locator('#qa-chat [data-testid="bot"]')


def test_ask_expand_citation_and_like(page, served):
    from qa.store import feedback

    _, index_dir = served
    from playwright.sync_api import expect

    page.locator("#qa-examples").get_by_text("市派驻村工作队有多少支?").click()
    expect(page.locator("#qa-question textarea")).to_have_value("市派驻村工作队有多少支?")
    page.locator("#qa-send").click()
    page.wait_for_selector("#qa-chat details.qa-cite summary", timeout=30_000)
    answer = bot_messages(page).last
    assert answer.inner_text().startswith("45支 [1]")
    cites = answer.locator("details.qa-cite")
    assert cites.count() == 5
    assert (
        cites.first.locator("summary")
        .inner_text()
        .startswith("[1] 株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段 · score")
    )
    assert not cites.first.locator("mark").is_visible()  # folded until the reader opens it
    cites.first.locator("summary").click()
    assert cites.first.locator("mark").is_visible()
    assert cites.first.locator("mark b").inner_text() == "45支"
    shot(page, "chat-zh.png")

    # a typed English follow-up, sent with Enter
    box = page.locator("#qa-question textarea")
    box.fill("How many pairs of trains will the Changsha-Zhuzhou-Xiangtan intercity railway run?")
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#qa-chat [data-testid=\"bot\"]').length == 2", timeout=30_000)
    assert page.locator('#qa-chat [data-testid="user"]').count() == 2
    second = bot_messages(page).last
    assert "100.5对" in second.inner_text() and "长株潭城铁实现“公交化”运营" in second.inner_text()
    expect(box).to_have_value("")

    # thumbs up on the first answer is stored with its question and citations
    like = page.locator('#qa-chat button[aria-label="Like"]')
    assert like.count() == 2  # one per answer
    like.first.click()
    deadline = time.monotonic() + 10
    while not feedback(index_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    rows = feedback(index_dir)
    assert [(r["rating"], r["question"], r["answer"]) for r in rows] == [("up", "市派驻村工作队有多少支?", "45支")]
    assert len(rows[0]["citations"]) == 5
    shot(page, "chat-en-follow-up.png")

    page.locator("#qa-send").click()  # empty question
    page.wait_for_function("document.querySelectorAll('#qa-chat [data-testid=\"bot\"]').length == 3", timeout=10_000)
    assert bot_messages(page).last.inner_text() == "Please type a question first."
    expect(page.locator("#qa-status")).to_contain_text("Model use-multilingual-v3")
    expect(page.locator("#qa-status")).to_contain_text("1 issue, 67 passages")
    assert page.external == []  # the page needs nothing from the internet


def test_upload_and_remove_an_issue(page, tmp_path):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Archive").click()
    table = page.locator("#qa-issues")
    expect(table).to_contain_text("sample-issue")
    page.locator("#qa-upload input[type=file]").set_input_files(str(new_issue_file(tmp_path)))
    expect(page.locator("#qa-upload")).to_contain_text("株洲日报-2021-05-09.txt", timeout=20_000)
    page.locator("#qa-add").click()
    expect(page.locator("#qa-note")).to_contain_text("株洲日报-2021-05-09: added", timeout=60_000)
    expect(table).to_contain_text("2021-05-09")
    assert "sample-issue" in table.inner_text()
    shot(page, "archive-added.png")

    # the newest issue is the one offered for removal; removing asks first
    page.locator("#qa-remove").click()
    expect(page.get_by_text("Remove 株洲日报-2021-05-09 (")).to_be_visible()
    page.locator("#qa-confirm").click()
    expect(page.locator("#qa-note")).to_contain_text("株洲日报-2021-05-09: removed", timeout=60_000)
    expect(table).not_to_contain_text("2021-05-09")
    expect(page.get_by_text("Remove 株洲日报-2021-05-09 (")).not_to_be_visible()
    assert page.external == []


def test_an_upload_over_the_size_limit_is_refused_in_one_line(page, tmp_path):
    from playwright.sync_api import expect

    big = tmp_path / "株洲日报-2021-05-11.txt"
    big.write_bytes(SAMPLE.read_bytes() * (11_000_000 // SAMPLE.stat().st_size + 1))
    page.get_by_role("tab", name="Archive").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(big))
    error = page.get_by_text("File(s) exceed the maximum allowed size of 9.5 Mb")  # Gradio's words for 10 000 000 B
    expect(error).to_be_visible(timeout=20_000)
    assert error.inner_text() == f'File(s) exceed the maximum allowed size of 9.5 Mb: "{big.name}"'
    shot(page, "archive-too-large.png")
    assert "2021-05-11" not in page.locator("#qa-issues").inner_text() and page.external == []


def test_hostile_paper_and_question_text_is_shown_inert(page, served, tmp_path):
    """Markdown, LaTeX, HTML, template syntax and outside URLs in an issue and a question are shown as written:
    nothing is rendered, run or fetched."""
    from playwright.sync_api import expect

    url, _ = served
    page.get_by_role("tab", name="Archive").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(hostile_issue(tmp_path)))
    expect(page.locator("#qa-upload")).to_contain_text(HOSTILE_NAME, timeout=20_000)
    page.locator("#qa-add").click()
    expect(page.locator("#qa-note")).to_contain_text(f"{HOSTILE_ID}: added", timeout=180_000)
    try:
        assert f"\n{HOSTILE_ID}\n{HOSTILE_PAPER}\n2021-06-01\n" in page.locator("#qa-issues").inner_text()
        page.get_by_role("tab", name="Ask").click()
        box = page.locator("#qa-question textarea")
        box.fill(HOSTILE_QUESTION)
        box.press("Enter")
        page.wait_for_selector("#qa-chat details.qa-cite summary", timeout=30_000)
        for summary in page.locator("#qa-chat details.qa-cite summary").all():
            summary.click()
        page.get_by_text("How the last question was searched").click()
        expect(page.locator("#qa-explain")).to_contain_text(HOSTILE_QUESTION)
        shot(page, "chat-hostile.png")
        chat = page.locator("#qa-chat").inner_text()
        assert HOSTILE_QUESTION in chat  # the question as typed
        title = '驻村公式 $$\\frac{a}{b}$$ <img src="http://evil.example/title.png"> [点我](http://evil.example/title)'
        assert f"{HOSTILE_PAPER} · 2021-06-01 · {title}" in chat
        assert '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> ${window.__pwned=3}' in chat
        assert "{{7*7}} `code` **粗体** [链接](http://evil.example/l)" in chat and "&lt;b&gt;1&lt;/b&gt;" in chat
        rendered = "#qa-chat img, #qa-chat a, #qa-chat iframe, #qa-explain img, #qa-explain a, .katex, math"
        assert page.locator(rendered).count() == 0
        assert page.evaluate("window.__pwned") is None
        assert page.external == []  # no request left the machine (Playwright saw every one)
    finally:
        client(url).predict(HOSTILE_ID, api_name="/remove_issue")


def overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]


def test_archive_tab_on_a_phone_scrolls_its_table_in_its_box_and_fills_the_form_from_the_file(phone, tmp_path):
    from playwright.sync_api import expect

    phone.get_by_role("tab", name="Archive").click()
    table = phone.locator("#qa-issues")
    expect(table).to_contain_text("sample-issue")
    phone.locator("#qa-upload input[type=file]").set_input_files(str(new_issue_file(tmp_path)))
    expect(phone.locator("#qa-date textarea")).to_have_value("2021-05-09", timeout=20_000)
    expect(phone.locator("#qa-paper textarea")).to_have_value("株洲日报")
    expect(phone.locator("#qa-issue-id textarea")).to_have_value("株洲日报-2021-05-09")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself does not scroll sideways
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    viewport = table.locator(".virtual-table-viewport")
    widths = viewport.evaluate("e => [e.clientWidth, e.scrollWidth, getComputedStyle(e).overflowX]")
    assert widths[1] > widths[0] and widths[2] == "auto"  # wider than the phone: it scrolls inside its box
    added = table.locator("th").last
    assert added.bounding_box()["x"] > 390  # the last column, "Added", starts off screen ...
    viewport.evaluate("e => e.scrollTo(e.scrollWidth, 0)")
    expect(added).to_be_in_viewport()  # ... and is reached by scrolling the table, not the page
    viewport.evaluate("e => e.scrollTo(0, 0)")
    choice = phone.locator("#qa-remove-choice input")
    text = choice.evaluate(
        "e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();"
        " return {x: r.x, width: r.width - parseFloat(s.paddingRight), y: r.y, height: r.height}; }"
    )
    assert not overlap(
        text, phone.locator("#qa-remove-choice .icon-wrap").bounding_box()
    )  # text stops before the arrow
    assert choice.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"
    shot(phone, "archive-phone.png")
    assert phone.external == []
