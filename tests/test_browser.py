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


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


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
    """The app on a desktop (1280×800)."""
    page = open_page(browser, served[0], viewport=DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, served):
    """The page on a phone: 390×844 CSS pixels, touch."""
    page = open_page(browser, served[0], viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def shot(page, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000
    return path


def bot_messages(page):
    return page.locator('#qa-chat [data-testid="bot"]')


def ask_on_page(page, question: str) -> None:
    """Type the question, press Enter and wait for its reply (and for the page to scroll to it)."""
    n = bot_messages(page).count()
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#qa-chat [data-testid=\"bot\"]').length > {n}", timeout=60_000)
    page.wait_for_timeout(500)  # the scroll to the newest reply runs just after it arrives


def in_view(page, locator) -> bool:
    """The element is wholly inside the viewport and not scrolled out of the chat box."""
    return locator.evaluate(
        """e => { const r = e.getBoundingClientRect(), box = e.closest('#qa-chat').getBoundingClientRect();
                  return r.top >= Math.max(0, box.top) && r.bottom <= Math.min(innerHeight, box.bottom); }"""
    )


def test_ask_expand_citation_and_like(page, served):
    from qa.store import feedback

    _, index_dir = served
    from playwright.sync_api import expect

    page.locator("#qa-examples").get_by_text("市派驻村工作队有多少支?").click()
    expect(page.locator("#qa-question textarea")).to_have_value("市派驻村工作队有多少支?")
    page.locator("#qa-send").click()
    page.wait_for_selector("#qa-chat details.qa-cite summary", timeout=30_000)
    answer = bot_messages(page).last
    assert answer.inner_text().startswith("45支 [1]")  # the example was sent on click
    expect(page.locator("#qa-question textarea")).to_have_value("")
    cites = answer.locator("details.qa-cite")
    shown = cites.count()
    assert 2 <= shown <= 5
    assert (
        cites.first.locator("summary")
        .inner_text()
        .startswith("[1] 株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段 · 得分")
    )
    assert not cites.first.locator("mark").is_visible()  # folded until the reader opens it
    answer.locator(".qa-ref").click()  # [1] after the answer opens citation 1
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
    assert len(rows[0]["citations"]) == shown  # the citations shown
    page.locator("#qa-comment textarea").fill("答案对,出处也对")  # a comment on that rating
    page.locator("#qa-comment-send").click()
    expect(page.get_by_text("谢谢,说明已保存。")).to_be_visible(timeout=10_000)
    assert [r["comment"] for r in feedback(index_dir)] == ["答案对,出处也对"]
    shot(page, "chat-en-follow-up.png")

    for _ in range(3):  # empty questions: a passing notice, no message
        page.locator("#qa-send").click()
    expect(page.get_by_text("请先输入问题。").first).to_be_visible()
    page.wait_for_timeout(1000)
    assert bot_messages(page).count() == 2 and page.locator('#qa-chat [data-testid="user"]').count() == 2
    box.fill("长" * 501)  # too long: refused, the text stays in the box
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#qa-chat [data-testid=\"bot\"]').length == 3", timeout=30_000)
    assert bot_messages(page).last.inner_text().startswith("这个问题有 501 个字符")
    expect(box).to_have_value("长" * 501)
    expect(page.locator("#qa-status")).to_contain_text("模型 use-multilingual-v3")
    expect(page.locator("#qa-status")).to_contain_text("1 期,67 个段落")
    assert page.external == []  # the page needs nothing from the internet


def test_on_a_phone_a_follow_up_is_understood_its_answer_stays_in_view_and_a_reload_keeps_it(phone):
    from playwright.sync_api import expect

    page = phone
    assert page.evaluate("document.documentElement.lang") == "zh-CN"  # Chinese glyph shapes for 直 骨 令 述
    font = page.locator("#qa-question textarea").evaluate("e => getComputedStyle(e).fontFamily")
    assert font.startswith('"Noto Sans CJK SC"'), font  # installed fonts by name: nothing is fetched
    for control in ("#qa-question textarea", "#qa-send"):  # above the fold on first load
        box = page.locator(control).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], control
    shot(page, "phone-first-load.png", full_page=False)
    ask_on_page(page, "驻村工作队有多少支?")
    ask_on_page(page, "那市派的呢?")
    answer = bot_messages(page).last
    assert answer.locator(".qa-understood").inner_text() == "理解为: 市派驻村工作队有多少支?"
    assert answer.locator(".qa-short").inner_text().startswith("45支 [1]")
    assert in_view(page, answer.locator(".qa-short")), "the short answer is out of view after it arrived"
    shot(page, "phone-follow-up.png", full_page=False)
    for label in page.locator('#qa-chat [aria-label^="bot\'s message"]').evaluate_all("es => es.map(e => e.ariaLabel)"):
        assert "<" not in label and "**" not in label, label  # words, not markup
    assert label.startswith("bot's message: 理解为: 市派驻村工作队有多少支? 45支 [1]")

    page.reload()  # the conversation is kept in the browser
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    expect(bot_messages(page)).to_have_count(2, timeout=10_000)
    expect(bot_messages(page).last.locator(".qa-understood")).to_have_text("理解为: 市派驻村工作队有多少支?")
    page.wait_for_timeout(500)
    assert in_view(page, bot_messages(page).last.locator(".qa-short"))
    shot(page, "phone-reloaded.png", full_page=False)
    page.locator("#qa-new").click()  # a new conversation forgets it, also after a reload
    expect(bot_messages(page)).to_have_count(0)
    page.reload()
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    page.wait_for_timeout(1500)
    assert bot_messages(page).count() == 0 and page.external == []


def test_on_a_desktop_in_english_a_follow_up_is_understood_a_new_topic_is_not_and_it_exports(page):
    from playwright.sync_api import expect

    expect(page.locator("#qa-lang")).to_have_text("English")  # Chinese first; the toggle names the other language
    page.locator("#qa-lang").click()
    expect(page.locator("#qa-send")).to_have_text("Ask")
    expect(page.locator("#qa-lang")).to_have_text("中文")
    expect(page.get_by_role("tab", name="Archive")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"  # the paper's text is Chinese
    ask_on_page(page, "How many village work teams did Zhuzhou send out?")
    ask_on_page(page, "And the counties and districts?")
    answer = bot_messages(page).last
    expect(answer.locator(".qa-understood")).to_have_text(
        "Understood as: How many village work teams did Zhuzhou send out, the counties and districts?"
    )
    assert answer.locator(".qa-short").inner_text().startswith("312支 [1]")
    assert in_view(page, answer.locator(".qa-short"))
    shot(page, "desktop-en-follow-up.png", full_page=False)
    ask_on_page(page, "今年株洲打算改造多少个老旧小区?")  # a new topic: asked as it stands
    answer = bot_messages(page).last
    assert answer.locator(".qa-understood").count() == 0
    assert answer.locator(".qa-short").inner_text().startswith("169个 [1]")
    assert in_view(page, answer.locator(".qa-short"))
    page.locator("#qa-export").click()
    expect(page.locator("#qa-export-md")).to_have_text("Download Markdown", timeout=20_000)
    for button, name in (("#qa-export-md", "conversation.md"), ("#qa-export-json", "conversation.json")):
        with page.expect_download() as download:
            page.locator(button).click()
        assert download.value.suggested_filename == name
        saved = download.value.path().read_text(encoding="utf-8")
        assert "How many village work teams did Zhuzhou send out, the counties and districts?" in saved
        assert "株洲日报 · 362支工作队驻村助力乡村振兴 · 第1段" in saved
    shot(page, "desktop-exported.png")
    page.reload()  # the language and the conversation are kept
    page.wait_for_selector("#qa-question textarea", timeout=30_000)
    expect(bot_messages(page)).to_have_count(3, timeout=10_000)
    expect(page.locator("#qa-send")).to_have_text("Ask")
    assert page.external == []


def choose_a_new_issue_in_the_archive_tab(page, tmp_path):
    """Opens the archive tab, waits for the bundled issue in its table, chooses a new issue's file; the table."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="报纸库").click()
    table = page.locator("#qa-issues")
    expect(table).to_contain_text("sample-issue")
    page.locator("#qa-upload input[type=file]").set_input_files(str(new_issue_file(tmp_path)))
    return table


def test_upload_and_remove_an_issue(page, tmp_path):
    from playwright.sync_api import expect

    table = choose_a_new_issue_in_the_archive_tab(page, tmp_path)
    expect(page.locator("#qa-upload")).to_contain_text("株洲日报-2021-05-09.txt", timeout=20_000)
    page.locator("#qa-add").click()
    expect(page.locator("#qa-note")).to_contain_text("株洲日报-2021-05-09: added", timeout=60_000)
    expect(table).to_contain_text("2021-05-09")
    assert "sample-issue" in table.inner_text()
    shot(page, "archive-added.png")

    # the newest issue is the one offered for removal; removing asks first
    page.locator("#qa-remove").click()
    expect(page.get_by_text("从报纸库删除 株洲日报-2021-05-09(")).to_be_visible()
    page.locator("#qa-confirm").click()
    expect(page.locator("#qa-note")).to_contain_text("株洲日报-2021-05-09: removed", timeout=60_000)
    expect(table).not_to_contain_text("2021-05-09")
    expect(page.get_by_text("从报纸库删除 株洲日报-2021-05-09(")).not_to_be_visible()
    assert page.external == []


def test_an_upload_over_the_size_limit_is_refused_in_one_line(page, tmp_path):
    from playwright.sync_api import expect

    big = tmp_path / "株洲日报-2021-05-11.txt"
    big.write_bytes(SAMPLE.read_bytes() * (11_000_000 // SAMPLE.stat().st_size + 1))
    page.get_by_role("tab", name="报纸库").click()
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
    page.get_by_role("tab", name="报纸库").click()
    page.locator("#qa-upload input[type=file]").set_input_files(str(hostile_issue(tmp_path)))
    expect(page.locator("#qa-upload")).to_contain_text(HOSTILE_NAME, timeout=20_000)
    page.locator("#qa-add").click()
    expect(page.locator("#qa-note")).to_contain_text(f"{HOSTILE_ID}: added", timeout=180_000)
    try:
        assert f"\n{HOSTILE_ID}\n{HOSTILE_PAPER}\n2021-06-01\n" in page.locator("#qa-issues").inner_text()
        page.get_by_role("tab", name="提问").click()
        box = page.locator("#qa-question textarea")
        box.fill(HOSTILE_QUESTION)
        box.press("Enter")
        page.wait_for_selector("#qa-chat details.qa-cite summary", timeout=30_000)
        for summary in page.locator("#qa-chat details.qa-cite summary").all():
            summary.click()
        page.get_by_text("上一个问题是怎样检索的").click()
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

    table = choose_a_new_issue_in_the_archive_tab(phone, tmp_path)
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
    assert added.bounding_box()["x"] > 390  # the last column, 添加时间 (added), starts off screen ...
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
    expect(phone.locator("#qa-add")).to_have_text("添加到报纸库")  # Chinese by default ...
    expect(phone.locator("#qa-upload")).to_contain_text("报纸文件")
    expect(phone.locator("#qa-replace")).to_contain_text("替换已从其他文件索引的同一期")
    shot(phone, "archive-phone.png")
    phone.locator("#qa-lang").click()  # ... and English after the toggle
    expect(phone.locator("#qa-add")).to_have_text("Add to archive")
    expect(phone.locator("#qa-remove")).to_have_text("Remove issue…")
    expect(table.locator("th").last).to_contain_text("Added")
    assert phone.external == []
