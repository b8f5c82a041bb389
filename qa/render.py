"""What the web chat shows, as inert HTML. The chat renders its messages as HTML, never as Markdown or LaTeX, and
every text that comes from the paper or the reader goes through text(): shown as written, never read as markup, so
no formula, link or image in an issue or a question does anything (nothing is fetched)."""

from __future__ import annotations

import html

# $ { } ` \ as entities too: no formula, template or Markdown engine downstream can take them for syntax
_INERT = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;", "\\": "&#92;"})


def text(value) -> str:
    """value as HTML element content (never an attribute): markup characters escaped, so it reads as written."""
    return html.escape(str(value), quote=False).translate(_INERT)


def highlight(passage_text: str, sentence: tuple[int, int] | None, answer: tuple[int, int] | None) -> str:
    """The paragraph as HTML: the supporting sentence marked, the short answer in it bold."""
    if sentence is None:
        return text(passage_text)
    s0, s1 = sentence
    inner = text(passage_text[s0:s1])
    if answer and s0 <= answer[0] < answer[1] <= s1:
        a0, a1 = answer
        inner = text(passage_text[s0:a0]) + "<b>" + text(passage_text[a0:a1]) + "</b>" + text(passage_text[a1:s1])
    return text(passage_text[:s0]) + "<mark>" + inner + "</mark>" + text(passage_text[s1:])


def spans(answer, passage) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(sentence, short answer) offsets in this passage's text, when it is the passage the answer comes from."""
    best = answer.passage
    if best is None or passage.id != best.id or not answer.sentence:
        return None, None
    start, end = answer.sentence_start, answer.sentence_end
    if passage.text[start:end] != answer.sentence:
        start = passage.text.find(answer.sentence)
        if start < 0:
            return None, None
        end = start + len(answer.sentence)
    span = None
    if answer.text and answer.answer_start is not None and answer.answer_end is not None:
        span = (answer.answer_start, answer.answer_end)
    return (start, end), span


def citation_line(rank: int, passage) -> str:
    return f"[{rank}] {passage.citation} · score {passage.score:.2f}"


def answer_html(answer) -> str:
    """The reply: the short answer (when there is one), then numbered citations that unfold to the paragraph."""
    passages = list(answer.passages or [])
    if not passages:
        return "No passage in the archive matches this question. Try other words, or search more issues."
    parts = []
    best = answer.passage
    best_rank = next((r for r, p in enumerate(passages, 1) if best is not None and p.id == best.id), None)
    if answer.text:
        ref = f" [{best_rank}]" if best_rank else ""
        parts.append(f"<b>{text(answer.text)}</b>{ref} <small>(confidence {answer.confidence:.2f})</small>")
        if answer.sentence:
            parts.append(f'<blockquote class="qa-sentence">{text(answer.sentence)}</blockquote>')
    else:
        parts.append("No answer found in the archive. The closest passages:")
    for r, p in enumerate(passages, 1):
        sentence, span = spans(answer, p)
        parts.append(
            f'<details class="qa-cite"><summary>{text(citation_line(r, p))}</summary>'
            f'<div class="qa-para">{highlight(p.text, sentence, span)}</div></details>'
        )
    return "\n".join(parts)


def explain_html(question: str, info: dict) -> str:
    """What the search looked for: the index words of the question, and the Chinese terms of an English one."""
    parts = [f"<p><i>{text(question)}</i></p>"]
    terms = [
        f"<li><i>{text(t['english'])}</i> → "
        + (", ".join(f"{text(c)} ({w:.2f})" for c, w in t["chinese"]) or "—")
        + "</li>"
        for t in info.get("translated") or []
    ]
    if terms:
        parts.append("<p><b>English words searched as Chinese terms</b> (weight):</p><ul>" + "".join(terms) + "</ul>")
    words = text(" ".join(info.get("tokens") or [])) or "none"
    parts.append(f"<p><b>Words of the question found in the index:</b> {words}</p>")
    if "dense_weight" in info:
        parts.append(f"<p><b>Weight of meaning (dense) against words (lexical):</b> {info['dense_weight']}</p>")
    return "\n".join(parts)
