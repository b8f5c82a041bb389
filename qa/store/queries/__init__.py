"""Every SQL statement of the project: what the index, its writes, its checks and its search files ask the database.
One module per concern: issues (with their articles and sources), passage_rows, vector_rows, tag_rows, checks,
feedback; common (IN lists in batches, the meta table)."""

from __future__ import annotations

from .checks import miscounted_issues, orphan_passages, quick_check, vector_problems
from .common import set_meta
from .feedback import feedback_rows, insert_feedback, set_feedback_comment
from .issues import (
    ISSUE_KEYS,
    delete_issue,
    insert_issue,
    insert_sources,
    issue_count,
    issue_dump,
    issue_ids,
    issue_list,
    issue_records,
    issue_sources,
    kept_sources,
    manifest_issues,
    source_hash,
)
from .passage_rows import (
    PASSAGE_KEYS,
    add_page_columns,
    embed_rows,
    has_page_columns,
    ids_selected,
    passage_count,
    passage_ids,
    passages,
    preceding_text,
    stored_tokens,
)
from .tag_rows import drop_unused_tags, passage_tags, put_tags, untagged
from .vector_rows import (
    drop_unused_vectors,
    keep_only_vectors_of,
    known_vectors,
    missing_vectors,
    put_vectors,
    vector_models,
    vectors,
)

__all__ = [
    "ISSUE_KEYS",
    "PASSAGE_KEYS",
    "add_page_columns",
    "delete_issue",
    "drop_unused_tags",
    "drop_unused_vectors",
    "embed_rows",
    "feedback_rows",
    "has_page_columns",
    "ids_selected",
    "insert_feedback",
    "insert_issue",
    "insert_sources",
    "issue_count",
    "issue_dump",
    "issue_ids",
    "issue_list",
    "issue_records",
    "issue_sources",
    "keep_only_vectors_of",
    "kept_sources",
    "known_vectors",
    "manifest_issues",
    "miscounted_issues",
    "missing_vectors",
    "orphan_passages",
    "passage_count",
    "passage_ids",
    "passage_tags",
    "passages",
    "preceding_text",
    "put_tags",
    "put_vectors",
    "quick_check",
    "set_feedback_comment",
    "set_meta",
    "source_hash",
    "stored_tokens",
    "untagged",
    "vector_models",
    "vector_problems",
    "vectors",
]
