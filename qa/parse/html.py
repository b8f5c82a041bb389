"""HTML pages (a digital edition's article page, a saved whole-issue page) → `## title` text.

trafilatura tells the article's text from navigation, ads, share buttons and footers; the page itself is then read in
document order within the element that holds that text, so headings, subtitles (引题/副题), standalone bylines and
list items keep their place and kind."""

from __future__ import annotations

import re
from functools import lru_cache

from .model import SourceLine, fail
from .text import byline, decode

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_GB = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
_PAGE_NO = re.compile(r"第\s*[A-Za-z]?\s*0*(\d{1,3})\s*版")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = _HEADINGS | {"p", "li", "tr", "pre", "blockquote", "dt", "dd", "figcaption", "caption"}
_CONTAINERS = {"div", "section", "article", "td", "th", "main", "span", "font", "center", "founder-content"}


def _text(data: bytes, name: str) -> str:
    """The page's text, in the charset it declares (GB2312/GBK read as GB18030, their superset) or else detected."""
    m = _CHARSET.search(data[:4096])
    declared = m[1].decode("ascii").lower() if m else None
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("gb18030" if declared in _GB else declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: detect as for text files
    return decode(data, name)


def _norm(text: str) -> str:
    return re.sub(r"[\s\u00a0\u3000]+", " ", text).strip()


def _lines(element) -> list[str]:
    """The element's text as rendered lines: <br> breaks a line, whitespace runs collapse."""
    parts = []
    for node in element.iter():
        if node.tag == "br":
            parts.append("\n")
        elif isinstance(node.tag, str) and node.tag not in ("script", "style") and node.text:
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return [t for line in "".join(parts).split("\n") if (t := _norm(line))]


@lru_cache(maxsize=1)
def _config():
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")  # a short article is still an article
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    return config


def _article_lines(html: str) -> set[str]:
    """The lines trafilatura judges to be the article's text."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        html, output_format="xml", include_formatting=True, include_tables=True, include_comments=False,
        fast=True, deduplicate=False, config=_config(),
    )  # fmt: skip
    if not xml:
        return set()
    for lb in (root := etree.fromstring(xml.encode("utf-8"))).iter("lb"):
        lb.tail = "\n" + (lb.tail or "")
    return {t for line in "".join(root.itertext()).split("\n") if (t := _norm(line))}


def _is_block(element) -> bool:
    if element.tag in _BLOCKS:
        return not any(child.tag in _BLOCKS for child in element.iterdescendants())
    if element.tag in _CONTAINERS:
        direct = (element.text or "") + "".join(child.tail or "" for child in element)
        return bool(_norm(direct)) and not any(
            child.tag in _BLOCKS | _CONTAINERS for child in element.iterdescendants()
        )
    return False


def _blocks(root) -> list:
    return [e for e in root.iter() if isinstance(e.tag, str) and _is_block(e)]


def _common(elements: list):
    """The deepest element holding all of `elements`."""
    chains = [list(e.iterancestors())[::-1] + [e] for e in elements]
    common = chains[0][0]
    for level in zip(*chains):
        if any(node is not level[0] for node in level):
            break
        common = level[0]
    return common


def _container(root, kept: set[str]):
    """The smallest element holding every block of the article's text, and its headline where the page has one
    near it (a site logo in an <h1> is not)."""
    hits = [e for e in _blocks(root) if any(line in kept for line in _lines(e))]
    if not hits:
        return None
    common = _common(hits)
    h1 = root.find(".//h1")
    if h1 is not None and common not in h1.iterancestors() and common is not h1:
        wider = _common(hits + [h1])
        common = wider if wider.tag not in ("body", "html") else common
    return common


def _page(root, container) -> int | None:
    title = root.find(".//title")
    for text in ([title.text_content()] if title is not None else []) + [_norm(container.text_content())]:
        if m := _PAGE_NO.search(text):
            return int(m[1])
    return None


def _kind(element, line: str, kept: set[str]) -> str | None:
    """heading, item or text for a line the article holds; None for the page's furniture."""
    if element.tag in _HEADINGS:
        return "heading"
    if line not in kept and not ((credit := byline(line)) and credit[0] == line):
        return None
    return "item" if element.tag in ("li", "tr", "dd") else "text"


def _heading(tag: str, line: str, state: dict, out: list[str]) -> None:
    if tag == state["top"]:
        out.append("## " + line)
        state.update(title=True, body=False)
        out.extend(state.pop("pending", []))
    elif not state["title"]:
        state.setdefault("pending", []).append(line)  # 引题 above the headline
    else:
        below = f"h{int(state['top'][1]) + 1}"
        out.append(line if tag == below and not state["body"] else "### " + line)


def _emit(element, kept: set[str], state: dict, out: list[str]) -> None:
    """The block's lines in the `## title` format; state tracks the current article's title and body."""
    if element.tag == "tr":
        cells = [" ".join(_lines(c)) for c in element if isinstance(c.tag, str)]
        lines = [" | ".join(c for c in cells if c)]
    else:
        lines = _lines(element)
    for line in lines:
        kind = _kind(element, line, kept)
        if kind == "heading":
            _heading(element.tag, line, state, out)
        elif kind:
            out.append("- " + line if kind == "item" else line)
            state["body"] = True


def _top_heading(container) -> str:
    """The heading level of the article titles: h1, else the highest level the text holds (a whole issue in one page,
    its articles titled by <h2>)."""
    return min((e.tag for e in container.iter(*_HEADINGS)), default="h1")


def _loose_text_as_blocks(root) -> None:
    """Text lying directly in <body> (a text issue with some tags in it): each run of it becomes paragraphs, its `## `
    and `### ` lines headings, so it is read in place instead of dropped."""
    import lxml.html

    body = root.find("body")
    if body is None:
        return
    runs = [(None, body.text)] + [(child, child.tail) for child in body]
    for anchor, run in reversed(runs):
        pieces = [p for p in re.split(r"\n\s*\n", run or "") if _norm(p)]
        if not pieces:
            continue
        blocks = lxml.html.fragments_fromstring("".join(map(_block, pieces)))
        if anchor is None:
            body.text = None
            for block in reversed(blocks):
                body.insert(0, block)
        else:
            anchor.tail = None
            for block in reversed(blocks):
                anchor.addnext(block)


def _for_extraction(root) -> str:
    """The page as trafilatura is given it; in a page without a <p>, a <div> holding only text counted as a paragraph
    (else it joins the text of sibling divs in one line, and none of them is found in the page)."""
    import copy

    import lxml.html

    page = copy.deepcopy(root)
    for div in page.iter("div") if page.find(".//p") is None else ():
        if _is_block(div):
            div.tag = "p"
    return lxml.html.tostring(page, encoding="unicode")


def _block(piece: str) -> str:
    from html import escape

    heading = re.fullmatch(r"\s*(#{2,3})\s+(.+?)\s*", piece, re.S)
    if heading:
        level = len(heading[1])
        return f"<h{level}>{escape(heading[2])}</h{level}>"
    lines = piece.strip().splitlines()
    if all(re.match(r"[-*•]\s", line) for line in lines):  # one list item a line, as the text reader takes them
        return "".join(f"<p>{escape(line.strip())}</p>" for line in lines)
    return f"<p>{escape(piece.strip())}</p>"


def read(data: bytes, name: str) -> list[SourceLine]:
    import lxml.html

    root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", _text(data, name)))
    _loose_text_as_blocks(root)
    kept = _article_lines(_for_extraction(root))
    container = _container(root, kept) if kept else None
    if container is None:
        fail(name, "no article text found in the page (only navigation, links or scripts)")
    out: list[str] = []
    state = {"title": False, "body": False, "top": _top_heading(container)}
    for element in _blocks(container):
        _emit(element, kept, state, out)
    if not state["title"]:
        title = root.find(".//h1")
        title = _norm(title.text_content()) if title is not None else None
        out = ["## " + title] + state.get("pending", []) + out if title else out
    page = _page(root, container)
    return [SourceLine(line, page) for text in out for line in (text, "")]
