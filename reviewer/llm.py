"""Language-model transport: structured chat completions from any OpenAI-compatible endpoint.

The only module that imports `openai`. A call never raises for model or transport
trouble: it returns a CallResult with ok=False and the reason, and the caller falls
back to templates.

- transport: AsyncOpenAI with its own retries off; tenacity retries 408/409/429/5xx,
  timeouts and connection errors with full-jitter exponential backoff, or the
  server's Retry-After when it sends one (capped); other 4xx fail at once.
- structure: the reply is parsed into a pydantic model and checked by an optional
  `validate`; on failure the model is re-asked with the errors, at most max_reasks times.
- cache and log: validated replies are cached in the Store by a hash of everything
  that shapes the reply; every call is logged there, without the key.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import functools
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from reviewer.config import Settings
from reviewer.store import CallRecord, Outcome, Store

if TYPE_CHECKING:
    import openai


@functools.cache
def _sdk() -> Any:
    """The openai SDK, imported when a model is first called or an SDK error is read: every
    command without a model (and every batch worker) would otherwise pay its import."""
    import openai

    return openai

T = TypeVar("T", bound=BaseModel)
Message = dict[str, str]
Validator = Callable[[Any], list[str]]

# Sent as the key when none is configured: local vLLM/Ollama accept anything,
# and the SDK refuses to start without one.
PLACEHOLDER_API_KEY = "no-key"
RETRYABLE_STATUS = frozenset({408, 409, 429})
JSON_OBJECT_INSTRUCTION = (
    "Reply with one JSON object only, no other text. The JSON object must conform to this JSON schema:\n{schema}"
)
REASK_INSTRUCTION = (
    "Your reply could not be accepted:\n{errors}\n"
    "Reply again with one corrected JSON object only, conforming to the same schema."
)


@dataclass
class CallResult(Generic[T]):
    ok: bool
    parsed: T | None = None
    outcome: Outcome | str = "ok"  # ok / cache_hit / invalid / transport_error / not_configured
    reason: str = ""  # why ok is False
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: int = 0  # HTTP requests made, retries and re-asks included
    reasks: int = 0
    latency_s: float = 0.0
    cache_hit: bool = False
    prompt_hash: str = ""
    content: str = ""  # the last reply's text


class TransportError(Exception):
    """Requests failed for good: retries exhausted or a non-retryable status."""


# --- request shaping --------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def output_schema(output_model: type[BaseModel]) -> dict[str, Any]:
    """The reply model's JSON schema, built once per model (it costs ~2 ms per call otherwise).
    Callers must not mutate it."""
    return output_model.model_json_schema()


@functools.lru_cache(maxsize=None)
def response_format_param(output_model: type[BaseModel], mode: str) -> dict[str, Any]:
    """Built once per reply model and mode; callers must not mutate it."""
    if mode == "json_object":
        return {"type": "json_object"}
    return {
        "type": "json_schema",
        # strict=False: pydantic schemas rarely meet OpenAI's strict subset; the
        # reply is validated here anyway.
        "json_schema": {"name": output_model.__name__, "schema": output_schema(output_model), "strict": False},
    }


def prepare_messages(messages: Sequence[Message], output_model: type[BaseModel], mode: str) -> list[Message]:
    """A copy of `messages`; in json_object mode the schema goes into the system message,
    which also puts the word "JSON" in the prompt, as DeepSeek and Qwen require."""
    prepared = [dict(m) for m in messages]
    if mode != "json_object":
        return prepared
    schema = json.dumps(output_schema(output_model), ensure_ascii=False)
    instruction = JSON_OBJECT_INSTRUCTION.format(schema=schema)
    if prepared and prepared[0].get("role") == "system":
        prepared[0]["content"] = f"{prepared[0]['content']}\n\n{instruction}"
    else:
        prepared.insert(0, {"role": "system", "content": instruction})
    return prepared


def prompt_hash(
    settings: Settings, prompt_version: str, messages: Sequence[Message], output_model: type[BaseModel]
) -> str:
    """The cache key: everything that shapes the reply, and nothing secret."""
    material = {
        "model": settings.model,
        "base_url": settings.base_url,
        "prompt_version": prompt_version,
        "messages": list(messages),
        "schema": output_schema(output_model),
        "response_format": settings.response_format,
        "temperature": settings.temperature,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --- reply checking ---------------------------------------------------------------

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?```\s*$", re.DOTALL | re.IGNORECASE)


def strip_code_fence(text: str) -> str:
    """Local models in json_object mode often wrap the object in ```json fences."""
    match = _FENCE.match(text)
    return match.group(1) if match else text


def reply_errors(content: str, output_model: type[T], validate: Validator | None) -> tuple[T | None, list[str]]:
    """Parse and validate one reply: (parsed, []) or (None, errors to tell the model)."""
    if not content.strip():
        return None, ["the reply was empty"]
    try:
        parsed = output_model.model_validate_json(strip_code_fence(content))
    except ValidationError as exc:
        return None, [_pydantic_error(e) for e in exc.errors()]
    errors = list(validate(parsed)) if validate else []
    return (None, errors) if errors else (parsed, [])


def _pydantic_error(error: Any) -> str:
    if error["type"] == "json_invalid":
        return f"the reply is not valid JSON ({error['msg']})"
    where = ".".join(map(str, error["loc"])) or "(whole object)"
    return f"{where}: {error['msg']}"


# --- transport --------------------------------------------------------------------


def is_retryable(exc: BaseException) -> bool:
    sdk = _sdk()
    if isinstance(exc, sdk.APIConnectionError):  # APITimeoutError included
        return True
    if isinstance(exc, sdk.APIStatusError):
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return False


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The wait a server asked for (Retry-After-Ms, Retry-After seconds or HTTP date)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class RetryAfterOrBackoff:
    """Tenacity wait: the server's Retry-After (capped) when given, else jittered backoff."""

    def __init__(self, settings: Settings) -> None:
        self.cap = settings.retry_after_max
        self.backoff = wait_random_exponential(multiplier=settings.retry_backoff, max=settings.retry_backoff_max)

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after_seconds(exc)
        return min(asked, self.cap) if asked is not None else self.backoff(retry_state)


def describe_error(exc: BaseException) -> str:
    sdk = _sdk()
    if isinstance(exc, sdk.APITimeoutError):
        return "request timed out"
    if isinstance(exc, sdk.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        return f"HTTP {exc.status_code}: {body.get('message') or exc.message}"
    if isinstance(exc, sdk.APIConnectionError):
        return f"connection error: {exc.__cause__ or exc.message}"
    return f"{type(exc).__name__}: {exc}"


REDACTED = "[redacted]"
_KEY_SHAPED = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-]{6,}")
# Query parameters that carry credentials (?key=, ?api_key=, ?access_token=, ?sig= …).
_SECRET_PARAM = re.compile(r"key|token|secret|passw|pwd|sig|auth|credential|session", re.I)
_MIN_SECRET = 4  # shorter values are not replaced inside text (they would mangle it)


def redact(text: str, secret: str | Sequence[str]) -> str:
    """Text with every secret, in every form a server may echo it (as is, URL-quoted,
    base64 of user:password), and anything key-shaped replaced by [redacted]."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    for s in sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True):
        text = text.replace(s, REDACTED)
    return _KEY_SHAPED.sub(rf"\1-{REDACTED}", text)


def url_secrets(url: str) -> list[str]:
    """The credentials a URL carries: its user:password and its secret query values, in
    the forms they travel in (raw, decoded, and the Basic-auth base64 of user:password)."""
    parts = urlsplit(url)
    found: list[str] = []
    if parts.password:
        user = unquote(parts.username or "")
        password = unquote(parts.password)
        found += [parts.password, password, base64.b64encode(f"{user}:{password}".encode()).decode()]
    for raw in filter(None, parts.query.split("&")):
        name, _, value = raw.partition("=")
        if _public_param(raw) != raw:
            found += [value, unquote_plus(value)]
    return found


def public_url(url: str) -> str:
    """The base URL as logged and shown: no user:password@, secret query values replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
    query = "&".join(map(_public_param, parts.query.split("&"))) if parts.query else ""
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _public_param(raw: str) -> str:
    name, _, value = raw.partition("=")
    return f"{name}={REDACTED}" if value and _SECRET_PARAM.search(unquote(name)) else raw


# --- the client -------------------------------------------------------------------


class Client:
    """One per run: settings, the AsyncOpenAI client, the store, a concurrency limit.

    The AsyncOpenAI client and the semaphore belong to an event loop, so they are
    made per loop; the synchronous wrapper (one asyncio.run per call) gets fresh ones.
    """

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store if store is not None else Store(settings.home)
        self._owns_store = store is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._openai: openai.AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @property
    def configured(self) -> bool:
        return self.settings.configured

    @functools.cached_property
    def _secrets(self) -> list[str]:
        return [self.settings.api_key.get_secret_value(), *url_secrets(self.settings.base_url)]

    def redact(self, text: str) -> str:
        """What the endpoint sent, made safe to keep: the key and the URL's credentials removed.
        Everything that comes back from a model (reply text, error text) passes through here
        before reviewer uses it, so no opinion, state or log can hold a secret a server echoed."""
        return redact(text, self._secrets)

    def sdk(self) -> openai.AsyncOpenAI:
        """The SDK client bound to the running event loop (for the Batch API calls)."""
        return self._for_this_loop()[0]

    def _for_this_loop(self) -> tuple[openai.AsyncOpenAI, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._openai is None or self._semaphore is None or self._loop is not loop:
            self._loop = loop
            self._openai = _sdk().AsyncOpenAI(
                base_url=self.settings.base_url,
                api_key=self.settings.api_key.get_secret_value() or PLACEHOLDER_API_KEY,
                timeout=self.settings.timeout,
                max_retries=0,  # tenacity retries, see request()
            )
            self._semaphore = asyncio.Semaphore(self.settings.concurrency)
        return self._openai, self._semaphore

    async def complete_structured(
        self,
        messages: Sequence[Message],
        output_model: type[T],
        *,
        validate: Validator | None = None,
        prompt_version: str,
    ) -> CallResult[T]:
        """Ask for a reply that parses into `output_model` and passes `validate`.

        Never raises for model or transport failures: ok=False and `reason` say why.
        """
        if not self.configured:
            reason = "no language model configured (base_url and model)"
            return CallResult(ok=False, outcome="not_configured", reason=reason)
        started = time.monotonic()
        key = prompt_hash(self.settings, prompt_version, messages, output_model)
        result = self._from_cache(key, output_model, validate)
        if result is None:
            result = await self._ask(messages, output_model, validate, key)
            if result.ok:
                self.store.put_cached(key, result.content, model=self.settings.model, prompt_version=prompt_version)
        result.latency_s = time.monotonic() - started
        self._log(result, prompt_version)
        return result

    def complete_structured_sync(
        self,
        messages: Sequence[Message],
        output_model: type[T],
        *,
        validate: Validator | None = None,
        prompt_version: str,
    ) -> CallResult[T]:
        """complete_structured for code without an event loop (raises inside a running one)."""

        async def call_thenclose_transport() -> CallResult[T]:
            try:
                return await self.complete_structured(
                    messages, output_model, validate=validate, prompt_version=prompt_version
                )
            finally:  # its connections belong to this asyncio.run's loop
                await self.close_transport()

        return asyncio.run(call_thenclose_transport())

    def _from_cache(self, key: str, output_model: type[T], validate: Validator | None) -> CallResult[T] | None:
        content = self.store.cached(key)
        if content is None:
            return None
        content = self.redact(content)  # the Batch API path fills the cache from its own downloads
        parsed, errors = reply_errors(content, output_model, validate)
        if errors:  # the validator grew stricter since: ask again
            return None
        return CallResult(ok=True, parsed=parsed, outcome="cache_hit", cache_hit=True, prompt_hash=key, content=content)

    async def _ask(
        self,
        messages: Sequence[Message],
        output_model: type[T],
        validate: Validator | None,
        key: str,
    ) -> CallResult[T]:
        result: CallResult[T] = CallResult(ok=False, prompt_hash=key)
        conversation = prepare_messages(messages, output_model, self.settings.response_format)
        response_format = response_format_param(output_model, self.settings.response_format)
        for reask in range(self.settings.max_reasks + 1):
            result.reasks = reask
            try:
                content = self.redact(await self._request(conversation, response_format, result))
            except TransportError as exc:
                result.outcome, result.reason = "transport_error", self.redact(str(exc))
                return result
            result.content = content
            parsed, errors = reply_errors(content, output_model, validate)
            if not errors:
                result.ok, result.parsed, result.outcome, result.reason = True, parsed, "ok", ""
                return result
            result.outcome = "invalid"
            result.reason = f"reply still invalid after {reask} re-asks: " + "; ".join(errors)
            conversation += [
                {"role": "assistant", "content": content},
                {"role": "user", "content": REASK_INSTRUCTION.format(errors="\n".join(f"- {e}" for e in errors))},
            ]
        return result

    async def _request(self, conversation: list[Message], response_format: dict[str, Any], result: CallResult) -> str:
        """One chat completion with transport retries; counts requests and tokens into `result`."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=RetryAfterOrBackoff(self.settings),
            retry=retry_if_exception(is_retryable),
            reraise=True,
        )
        try:
            client, semaphore = self._for_this_loop()
            async for attempt in retrying:
                with attempt:
                    result.attempts += 1
                    async with semaphore:  # not held while backing off
                        # response_format and temperature go in extra_body: the SDK sends it
                        # as given, where a typed response_format is first transformed key
                        # by key, schema included (~1.6 ms per call). The JSON body is the
                        # same, byte for byte (same keys, same order).
                        completion = await client.chat.completions.create(
                            model=self.settings.model,
                            messages=conversation,  # type: ignore[arg-type]
                            extra_body={"response_format": response_format, "temperature": self.settings.temperature},
                        )
        except (_sdk().OpenAIError, ValueError) as exc:  # ValueError: a base_url the SDK rejects
            tries = f" after {result.attempts} requests" if is_retryable(exc) else ""
            raise TransportError(describe_error(exc) + tries) from exc
        return _reply_text(completion, result)

    def _log(self, result: CallResult, prompt_version: str) -> None:
        self.store.log_call(
            CallRecord(
                prompt_hash=result.prompt_hash,
                prompt_version=prompt_version,
                model=self.settings.model,
                base_url=public_url(self.settings.base_url),
                tokens_in=result.tokens_in,
                tokens_out=result.tokens_out,
                latency_s=round(result.latency_s, 4),
                attempts=result.attempts,
                reasks=result.reasks,
                outcome=result.outcome,
                error=self.redact(result.reason),
            )
        )

    async def close_transport(self) -> None:
        if self._openai is not None:
            await self._openai.close()
        self._openai, self._semaphore, self._loop = None, None, None

    async def aclose(self) -> None:
        await self.close_transport()
        if self._owns_store:
            self.store.close()

    def close(self) -> None:
        """Close from synchronous code; the sync wrapper has closed the transport already."""
        self._openai, self._semaphore, self._loop = None, None, None
        if self._owns_store:
            self.store.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reply_text(completion: Any, result: CallResult) -> str:
    """The first choice's text; counts its tokens into `result`."""
    choices = getattr(completion, "choices", None)
    if not choices:  # an HTML page from a proxy, or not an OpenAI-compatible server
        raise TransportError(f"the server's answer is not a chat completion: {str(completion)[:200]!r}")
    usage = getattr(completion, "usage", None)
    if usage is not None:
        result.tokens_in += usage.prompt_tokens or 0
        result.tokens_out += usage.completion_tokens or 0
    message = getattr(choices[0], "message", None)
    return getattr(message, "content", None) or ""


async def complete_structured(
    messages: Sequence[Message],
    output_model: type[T],
    *,
    validate: Validator | None = None,
    prompt_version: str,
    settings: Settings,
) -> CallResult[T]:
    """One call with a short-lived Client; prefer one Client per run for many calls."""
    async with Client(settings) as client:
        return await client.complete_structured(
            messages, output_model, validate=validate, prompt_version=prompt_version
        )


def complete_structured_sync(
    messages: Sequence[Message],
    output_model: type[T],
    *,
    validate: Validator | None = None,
    prompt_version: str,
    settings: Settings,
) -> CallResult[T]:
    return asyncio.run(
        complete_structured(messages, output_model, validate=validate, prompt_version=prompt_version, settings=settings)
    )
