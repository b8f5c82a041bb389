"""What the web chat shows, as inert HTML. The chat renders its messages as HTML, never as Markdown or LaTeX, and
every text that comes from the paper or the reader goes through text(): shown as written, never read as markup, so
no formula, link or image in an issue or a question does anything (nothing is fetched)."""

from __future__ import annotations

import html

from .strings import say

CITATION_CUT = 0.3  # a passage scored under this share of the best one is not cited (bench/citation_cut.py)
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


def citation_line(rank: int, passage, lang: str = "zh") -> str:
    return f"[{rank}] {passage.citation} · {say(lang, 'score')} {passage.score:.2f}"


def cited(answer) -> list:
    """The passages worth citing: those scored at least CITATION_CUT × the best one, and always the one the answer
    comes from (the search pads to k with passages far below the best; bench/citation_cut.py measured the cut)."""
    passages = list(answer.passages or [])
    best = max((p.score for p in passages), default=0.0)
    if best <= 0:
        return passages
    source = answer.passage.id if answer.passage is not None else None
    return [p for p in passages if p.score >= CITATION_CUT * best or p.id == source]


def supported(answer) -> bool:
    """The best sentence speaks of what was asked: its support (the share of the question's words for a Chinese
    question, the cosine for an English one) reaches the least support the answer step accepts."""
    from .answer.confidence import MIN_SUPPORT

    features = answer.features or {}
    if features.get("english"):
        return features.get("cosine", 0.0) >= MIN_SUPPORT["en"]
    return features.get("sentence", 0.0) >= MIN_SUPPORT["zh"]


def _ref(rank: int | None) -> str:
    """[n] after the answer: a link (qa.ui.server's script) that opens citation n and scrolls to it (the chat keeps
    class names, not data attributes)."""
    if not rank:
        return ""
    return f' <span class="qa-ref qa-ref-{rank}" role="link" tabindex="0">[{rank}]</span>'


def _head(answer, rank: int | None, lang: str) -> list[str]:
    """How a follow-up was understood, then the short answer and its sentence; or the best sentence, said to be
    unsure; or that the paper does not seem to say."""
    parts = []
    if answer.understood_as:
        parts.append(f'<p class="qa-understood">{say(lang, "understood")} {text(answer.understood_as)}</p>')
    if answer.text:
        confidence = f"<small>({say(lang, 'confidence')} {answer.confidence:.2f})</small>"
        parts.append(f'<p class="qa-short"><b>{text(answer.text)}</b>{_ref(rank)} {confidence}</p>')
        if answer.sentence:
            parts.append(f'<blockquote class="qa-sentence">{text(answer.sentence)}</blockquote>')
    elif answer.sentence and supported(answer):
        parts.append(f'<p class="qa-short">{say(lang, "not_sure")}</p>')
        parts.append(f'<blockquote class="qa-sentence">{text(answer.sentence)}{_ref(rank)}</blockquote>')
    else:
        parts.append(f'<p class="qa-short">{say(lang, "not_said")}</p>')
    return parts


def answer_html(answer, lang: str = "zh") -> str:
    """The reply: the short answer (or what was found instead), then the numbered citations that unfold to the
    paragraph, cut where they fall far below the best."""
    passages = cited(answer)
    if not passages:
        return say(lang, "no_passage")
    best = answer.passage
    rank = next((r for r, p in enumerate(passages, 1) if best is not None and p.id == best.id), None)
    parts = _head(answer, rank, lang)
    for r, p in enumerate(passages, 1):
        sentence, span = spans(answer, p)
        parts.append(
            f'<details class="qa-cite qa-cite-{r}"><summary>{text(citation_line(r, p, lang))}</summary>'
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
