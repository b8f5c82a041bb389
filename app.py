"""The web chat: python app.py [--index-dir DIR | --store URI] [--host 127.0.0.1] [--port 7860] [--model M]
[--auth USER:PASSWORD]... [--auth-file FILE] [--read-only]."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ISSUES = Path(__file__).resolve().parent / "data" / "issues"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="app.py", description="Serve the newspaper QA web chat.")
    p.add_argument(
        "--index-dir", help="index directory (default: ./index or $QA_INDEX); built from data/issues/*.txt on first run"
    )
    p.add_argument("--store", metavar="URI", help="the archive in Milvus (milvus:///abs/file.db, milvus://host:19530)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--model", help="embedding model for a new index (default: $QA_MODEL or the bundled USE)")
    p.add_argument(
        "--auth",
        action="append",
        metavar="USER:PASSWORD",
        help="a login the page and every API call require (repeatable; default: $QA_AUTH)",
    )
    p.add_argument("--auth-file", metavar="FILE", help="logins, one USER:PASSWORD a line")
    p.add_argument("--read-only", action="store_true", help="register no endpoint that uploads, adds or removes issues")
    args = p.parse_args(argv)
    logging.basicConfig(format="app: %(message)s")  # one line per refused web input (qa.chat, qa.ui)
    logging.getLogger("qa").setLevel(logging.INFO)

    from qa import store
    from qa.access import Access, gather_users
    from qa.embed import ModelError, model_name
    from qa.errors import QAError
    from qa.index import Index, default_index_dir, write
    from qa.parse import ParseError, parse_file

    where = args.store or args.index_dir
    path = store.location(where) if where else default_index_dir()
    try:
        users = gather_users(args.auth, args.auth_file, os.environ.get("QA_AUTH"))
        access = Access(args.host, users, read_only=args.read_only).check()
        if not store.is_index(path):
            files = sorted(ISSUES.glob("*.txt"))
            print(f"app: no index at {path}/: building it from {len(files)} file(s) in {ISSUES}/", file=sys.stderr)
            t0 = time.perf_counter()
            for r in write(path, [parse_file(f) for f in files], model=args.model, fresh=True):
                print(f"app: {r}", file=sys.stderr)
            print(f"app: index built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        elif args.model and model_name(args.model) != (current := Index.open(path).model_id):
            raise QAError(
                f"{path}/ holds vectors of model {current!r}, not {model_name(args.model)!r}; "
                f"re-embed it with: qa index rebuild --model {model_name(args.model)} --index-dir {path}"
            )
        from qa.ui import launch

        launch(path, access=access, port=args.port, model=args.model)
    except (QAError, ParseError, ModelError, OSError) as e:
        print(f"app: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
