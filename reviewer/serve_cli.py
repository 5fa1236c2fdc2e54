"""`reviewer serve`: the reviewer's workbench, a local web page over a batch run directory.

Given a run directory (`reviewer batch --out DIR`), it serves that; given forms (files,
folders, zips), it first reviews them into a run directory (--out, by the batch), then
serves it. Files dropped on the page are saved in the run's uploads/ folder and reviewed
into the same run by the batch, with the run's own inputs, so its list stays whole.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from reviewer.batch.lock import FolderError
from reviewer.batch.options import BatchOptions
from reviewer.batch.runner import run_batch
from reviewer.commands import command
from reviewer.web.asgi import LOOPBACK, create_app
from reviewer.web.pages import Workbench
from reviewer.web.run import STATE_FILE, Run

DEFAULT_OUT = "reviewer-workbench"


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="*", metavar="RUN_DIR|FILES", help="a batch run directory, or forms to review first (files, folders, zips)")
    p.add_argument("--out", metavar="DIR", help=f"the run directory for forms given or uploaded (default: {DEFAULT_OUT})")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this computer only); any other needs the access token")
    p.add_argument("--token", help="the access token for --host (default: a random one, printed)")


def _run_folder(args: argparse.Namespace) -> tuple[Path, list[str]]:
    """(run directory, inputs to review into it first)."""
    if len(args.inputs) == 1 and (Path(args.inputs[0]) / STATE_FILE).is_file() and not args.out:
        return Path(args.inputs[0]), []
    return Path(args.out or DEFAULT_OUT), list(args.inputs)


def review_into(folder: Path, inputs: list[str]) -> str:
    """Review the inputs into the run directory with the batch; a one-line outcome."""
    try:
        options = Run.recorded_options(folder)  # a rerun keeps the run's --docx and --policy
        policy = options.get("policy")
        result = run_batch(BatchOptions(inputs=inputs, out=folder, progress=False, docx=bool(options.get("docx")),
                                        policy=Path(policy) if policy and Path(policy).is_file() else None))
    except (FolderError, OSError) as exc:
        return f"审核未完成：{exc}"
    return f"审核了 {result.forms} 张表（{result.errors} 个文件读不出）"


def _uploads_reviewer(folder: Path):
    """Review the uploads folder into the run together with the run's own inputs (a batch
    forgets the forms of inputs it is not given); when those are no longer where they were,
    the files stay saved and the page says how to review them."""

    def review(uploads: Path) -> str:
        recorded = Run.recorded_inputs(folder)
        earlier = [p for p in recorded if Path(p).resolve() != uploads.resolve()]
        missing = [p for p in earlier if not Path(p).exists()]
        if missing:
            return (f"未审核：本次运行的输入 {missing[0]} 不在原处，重新审核会丢掉它的表；请在原目录运行 "
                    f"reviewer batch 原输入 {uploads} --out {folder}")
        return review_into(folder, [*earlier, str(uploads)])

    return review


@command("serve", _serve_args)
def run_serve(args: argparse.Namespace) -> int:
    """The reviewer's workbench: review forms in the browser, decide each suggestion, export."""
    try:
        import uvicorn  # the extra `web`
    except ImportError:
        print("reviewer: `reviewer serve` needs the web extra: pip install 'reviewer[web]'", file=sys.stderr)
        return 2
    folder, inputs = _run_folder(args)
    if inputs:
        print(f"reviewer: {review_into(folder, inputs)} → {folder}", file=sys.stderr)
    loopback = args.host in LOOPBACK
    token = None if loopback else (args.token or secrets.token_urlsafe(24))
    try:
        bench = Workbench(folder, review_uploads=_uploads_reviewer(folder))
        app = create_app(bench, token=token, loopback=loopback)
    except ImportError:
        print("reviewer: `reviewer serve` needs the web extra: pip install 'reviewer[web]'", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"reviewer: {folder}: cannot open the run directory ({exc})", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"reviewer: workbench on http://{host}:{args.port}/{f'?token={token}' if token else ''} (Ctrl-C stops it)",
          file=sys.stderr)  # fmt: skip
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
