"""The web chat's words, in Chinese (the default) and English: one table, the same keys in both languages."""

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "## 报纸问答 · Newspaper QA\n用中文或英文提问:先给简短答案,再给出处段落。",
        "tab_ask": "提问",
        "tab_archive": "报纸库",
        "chat": "对话",
        "chat_placeholder": "就已收录的报纸提问。",
        "question_placeholder": "输入问题,按回车发送",
        "send": "提问",
        "new": "新对话",
        "export": "导出对话",
        "download_md": "下载 Markdown",
        "download_json": "下载 JSON",
        "examples": "示例问题(点击即提问)",
        "explain": "上一个问题是怎样检索的",
        "settings": "### 设置",
        "k": "最多显示段落数",
        "k_info": "远低于最佳段落的不显示",
        "issues": "检索的报纸期号",
        "issues_info": "新的在前;不选 = 全部",
        "mode": "检索方式",
        "mode_info": "hybrid = 词语 + 语义;dense = 语义;lexical = 词语",
        "comment": "对上一个评价补充说明(可选)",
        "comment_send": "提交说明",
        "comment_saved": "谢谢,说明已保存。",
        "comment_none": "请先用 👍 或 👎 评价一个答案,再写下说明。",
        "comment_too_long": "说明有 {n} 个字符;请控制在 {limit} 个字符以内。",
        "feedback_failed": "评价未能保存。",
        "understood": "理解为:",
        "confidence": "可信度",
        "score": "得分",
        "not_sure": "没有把握给出简短答案。最相关的一句如下,它可能并没有回答这个问题:",
        "not_said": "报纸上似乎没有提到这一点。以下是最接近的段落:",
        "no_passage": "报纸库中没有与这个问题相符的段落。请换个说法,或检索更多期报纸。",
        "empty_question": "请先输入问题。",
        "not_text": "问题必须是文字。",
        "too_long": "这个问题有 {n} 个字符;请控制在 {limit} 个字符以内(问题仍在输入框中)。",
        "empty_archive": "报纸库是空的:{how}",
        "no_index": "<code>{path}/</code> 还没有索引:{how}",
        "how_to_add": "请在<b>报纸库</b>标签页添加报纸文件。",
        "how_to_add_read_only": "本对话只读:报纸由服务器上的 <code>qa index add</code> 添加。",
        "server_error": "⚠ 服务器出错({kind});详情见服务器日志。",
        "status": "模型 <b>{model}</b> · 索引 <code>{path}/</code> · {issues} 期,{passages} 个段落",
        "status_error": "索引 <code>{path}/</code>:{error}",
        "read_only": "本对话只读:报纸由服务器上的 `qa index add` 与 `qa index remove` 添加和删除。",
        "question_heading": "问",
        "answer_heading": "答",
        "citations_heading": "出处",
    },
    "en": {
        "title": "## Newspaper QA · 报纸问答\nAsk the archive in Chinese or English: the short answer first, "
        "then the paragraphs it comes from.",
        "tab_ask": "Ask",
        "tab_archive": "Archive",
        "chat": "Chat",
        "chat_placeholder": "Ask about the indexed newspaper issues.",
        "question_placeholder": "Type a question (中文 or English) and press Enter",
        "send": "Ask",
        "new": "New conversation",
        "export": "Export conversation",
        "download_md": "Download Markdown",
        "download_json": "Download JSON",
        "examples": "Example questions (click to ask)",
        "explain": "How the last question was searched",
        "settings": "### Settings",
        "k": "Passages to show at most",
        "k_info": "those scored far below the best are left out",
        "issues": "Issues to search",
        "issues_info": "Newest first; none chosen = all",
        "mode": "Search mode",
        "mode_info": "hybrid = words + meaning; dense = meaning; lexical = words",
        "comment": "A comment on your last rating (optional)",
        "comment_send": "Send comment",
        "comment_saved": "Thank you, the comment is saved.",
        "comment_none": "Rate an answer with 👍 or 👎 first, then write a comment.",
        "comment_too_long": "The comment is {n} characters long; please keep it to {limit} characters or fewer.",
        "feedback_failed": "Your feedback could not be saved.",
        "understood": "Understood as:",
        "confidence": "confidence",
        "score": "score",
        "not_sure": "No sure short answer. The closest sentence follows; it may not answer the question:",
        "not_said": "The paper does not seem to say. The closest passages:",
        "no_passage": "No passage in the archive matches this question. Try other words, or search more issues.",
        "empty_question": "Please type a question first.",
        "not_text": "The question must be text.",
        "too_long": "That question is {n} characters long; please keep it to {limit} characters or fewer"
        " (it is still in the box).",
        "empty_archive": "The archive is empty: {how}",
        "no_index": "There is no index at <code>{path}/</code> yet: {how}",
        "how_to_add": "add an issue file in the <b>Archive</b> tab.",
        "how_to_add_read_only": "this chat is read-only: issues are added on the server with <code>qa index add</code>.",
        "server_error": "⚠ Something went wrong on the server ({kind}); the server log has the details.",
        "status": "Model <b>{model}</b> · index <code>{path}/</code> · {issues} issue{s}, {passages} passages",
        "status_error": "Index <code>{path}/</code>: {error}",
        "read_only": "This chat is read-only: issues are added and removed on the server with `qa index add` and"
        " `qa index remove`.",
        "question_heading": "Q",
        "answer_heading": "A",
        "citations_heading": "Citations",
    },
}


def lang_of(value) -> str:
    """A language the table has: the value when it is one, else Chinese."""
    return value if value in STRINGS else "zh"


def say(lang: str, key: str, **values) -> str:
    """The string key in lang (Chinese when lang is unknown), with its {placeholders} filled."""
    line = STRINGS[lang_of(lang)][key]
    return line.format(**values) if values else line
