"""The Starlette app around the workbench's pages (the extra `web`: starlette, uvicorn,
python-multipart), imported only by `create_app`, so `reviewer` starts without them.

Safety, all here: an access token (when the server listens beyond loopback) taken once from
`?token=` into an HttpOnly, SameSite=Strict cookie; the Host header checked on loopback
(no DNS rebinding); every change a POST carrying the page's CSRF token (header
X-CSRF-Token for the JSON actions, field `csrf` for the upload form) with a same-origin
Origin when one is sent; uploads capped by Content-Length before they are read; every
error a one-line page, never a stack trace.
"""

from __future__ import annotations

import hmac
import json
import logging
from importlib import resources
from typing import Any

from reviewer.web.pages import UPLOAD_FILES, UPLOAD_LIMIT, BadRequest, UploadedFile, Workbench

log = logging.getLogger("reviewer.web")
TOKEN_COOKIE = "reviewer_token"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
JSON_LIMIT = 1 << 20


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def create_app(bench: Workbench, *, token: str | None = None, loopback: bool = True) -> Any:
    """The ASGI app. token: required from every browser (given with --host); loopback: the
    server listens on 127.0.0.1 only, so the Host header must name it."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.responses import FileResponse
    from starlette.routing import Route
    from starlette.concurrency import run_in_threadpool

    script = resources.files("reviewer.templates").joinpath("workbench.js").read_text(encoding="utf-8")

    def page(html: str, status: int = 200) -> Response:
        return HTMLResponse(html, status_code=status, headers={
            "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
                                       "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                                       "frame-ancestors 'none'; base-uri 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})  # fmt: skip

    def failure(request: Request, message: str, status: int) -> Response:
        if request.url.path.startswith("/api/"):
            return PlainTextResponse(message, status_code=status)
        return page(bench.error_page(message), status)

    def guarded(handler: Any, change: bool = False) -> Any:
        async def endpoint(request: Request) -> Response:
            refused = _refusal(request, change)
            if refused is not None:
                return failure(request, refused[1], refused[0])
            try:
                return await handler(request)
            except BadRequest as exc:
                return failure(request, str(exc), 400)
            except Exception:  # noqa: BLE001 - the page says one line; the log keeps the details
                log.exception("reviewer serve: %s %s failed", request.method, request.url.path)
                return failure(request, "内部错误：这一步没有完成，详情见启动工作台的终端", 500)

        return endpoint

    def _refusal(request: Request, change: bool) -> tuple[int, str] | None:
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        if loopback and host not in LOOPBACK:
            return 400, "工作台只接受本机地址的访问"
        if token is not None and not (_same(request.cookies.get(TOKEN_COOKIE), token)
                                      or _same(request.query_params.get("token"), token)):  # fmt: skip
            return 403, "需要访问令牌：请用启动时显示的完整地址打开"
        if change:
            origin = request.headers.get("origin")
            if origin and origin.split("://", 1)[-1] != request.headers.get("host"):
                return 403, "拒绝跨站请求"
            if not _same(request.headers.get("x-csrf-token"), bench.csrf) and request.url.path != "/upload":
                return 403, "缺少或错误的 CSRF 令牌：请刷新页面"
        return None

    async def with_token_cookie(request: Request, response: Response) -> Response:
        if token is not None and _same(request.query_params.get("token"), token):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    async def index(request: Request) -> Response:
        if token is not None and request.query_params.get("token"):
            response = RedirectResponse("/", status_code=303)
            return await with_token_cookie(request, response)
        html = await run_in_threadpool(bench.list_page, dict(request.query_params))
        return page(html)

    async def form(request: Request) -> Response:
        return page(await run_in_threadpool(bench.form_page, request.path_params["seq"]))

    async def check_doc(request: Request) -> Response:
        html = bench.check_page(request.path_params["code"])
        return page(html) if html else failure(request, "没有这项检查", 404)

    async def checks(request: Request) -> Response:
        return page(await run_in_threadpool(bench.checks_page))

    def action(method: Any) -> Any:
        async def act(request: Request) -> Response:
            if request.headers.get("content-type", "").split(";")[0] != "application/json":
                raise BadRequest("应为 JSON 请求")
            body = await request.body()
            if len(body) > JSON_LIMIT:
                raise BadRequest("请求过大")
            try:
                data = json.loads(body)
            except ValueError:
                raise BadRequest("请求不是有效的 JSON") from None
            if not isinstance(data, dict):
                raise BadRequest("请求应为 JSON 对象")
            return JSONResponse(await run_in_threadpool(method, data))

        return act

    async def upload(request: Request) -> Response:
        size = request.headers.get("content-length")
        if size is None or not size.isdigit() or int(size) > UPLOAD_LIMIT * 4:
            raise BadRequest(f"上传过大或未注明大小：一次最多 {UPLOAD_LIMIT * 4 >> 20} MB")
        async with request.form(max_files=UPLOAD_FILES, max_fields=20) as fields:
            if not _same(str(fields.get("csrf") or ""), bench.csrf):
                return failure(request, "缺少或错误的 CSRF 令牌：请刷新页面", 403)
            files = [UploadedFile(f.filename or "", await f.read(UPLOAD_LIMIT + 1))
                     for f in fields.getlist("files") if hasattr(f, "read")]  # fmt: skip
        await run_in_threadpool(bench.save_uploads, files)
        return RedirectResponse("/", status_code=303)

    def download(data: bytes, name: str, media: str) -> Response:
        return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def export_docx(request: Request) -> Response:
        params = request.query_params
        data = await run_in_threadpool(bench.export_docx, params.get("form"), params.get("all") == "1")
        return download(data, "decided-opinions.docx",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")

    async def export_xlsx(request: Request) -> Response:
        data = await run_in_threadpool(bench.export_xlsx, request.query_params.get("all") == "1")
        return download(data, "decided-summary.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    async def static_script(request: Request) -> Response:
        return Response(script, media_type="text/javascript; charset=utf-8")

    async def run_file(request: Request) -> Response:
        path = bench.run_file(request.path_params["path"])
        if path is None:
            return failure(request, "没有这个文件", 404)
        return FileResponse(path, headers={"Content-Security-Policy": "script-src 'none'"})

    async def not_found(request: Request, exc: Exception) -> Response:
        return failure(request, "没有这个页面", 404)

    routes = [
        Route("/", guarded(index)),
        Route("/form/{seq:int}", guarded(form)),
        Route("/check/{code}", guarded(check_doc)),
        Route("/checks", guarded(checks)),
        Route("/export.docx", guarded(export_docx)),
        Route("/export.xlsx", guarded(export_xlsx)),
        Route("/static/workbench.js", guarded(static_script)),
        Route("/run/{path:path}", guarded(run_file)),
        Route("/upload", guarded(upload, change=True), methods=["POST"]),
        Route("/api/decide", guarded(action(bench.decide), change=True), methods=["POST"]),
        Route("/api/own", guarded(action(bench.add_own), change=True), methods=["POST"]),
        Route("/api/opinion", guarded(action(bench.save_opinion), change=True), methods=["POST"]),
        Route("/api/status", guarded(action(bench.set_status), change=True), methods=["POST"]),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found})
