"""Options every command shares (where the archive is, the model, quiet) and the archive location they give."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_common(
    sp: argparse.ArgumentParser, model: bool = True, index_help: str = "index directory (default: ./index or $QA_INDEX)"
) -> None:
    """--index-dir, --store, --model (unless model is False) and -q/--quiet."""
    sp.add_argument("--index-dir", help=index_help)
    sp.add_argument(
        "--store",
        metavar="URI",
        help="the archive in Milvus: milvus:///abs/path.db (milvus-lite), milvus://host:19530 or http(s)://... "
        "(token from $QA_MILVUS_TOKEN); default: $QA_STORE, else --index-dir",
    )
    if model:
        sp.add_argument(
            "--model",
            action="append",
            help="sentence-transformers model name or path (default: $QA_MODEL or the bundled USE); several"
            " (repeated or a comma list, e.g. use-multilingual-v3,multilingual-e5-small): the index keeps each"
            " one's vectors and search fuses them",
        )
    sp.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def index_dir(args: argparse.Namespace) -> Path | str:
    """The archive: --store URI, else --index-dir, else $QA_STORE, $QA_INDEX or ./index."""
    from .. import store
    from ..index import default_index_dir

    where = getattr(args, "store", None) or args.index_dir
    return store.location(where) if where else default_index_dir()
