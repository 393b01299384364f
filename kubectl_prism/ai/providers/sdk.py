"""What every SDK-backed provider shares: the lazily built client, one request under an overall deadline,
and one translation of every way a request can fail into one line with exit 4.

A provider subclass builds the request (`complete`), and reads the answer in `_read_stream` or
`_read_json`, which run their SDK calls through `bounded.py`. Failures sort into three kinds:
- the SDK's own errors (HTTP status, connection, timeout): `provider_error`, by status;
- anything else raised while the SDK sent, retried, read or decoded (a 200 with a body that is not the
  protocol, broken JSON in an event): the provider misbehaved, `malformed`;
- errors in our own code after that are bugs, and stay internal errors (exit 70).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from kubectl_prism.ai.providers.answer import (
    BODY_BYTES_PER_CHAR,
    BODY_OVERHEAD,
    answer_limit,
    event_stream_check,
    malformed,
    read_json_body,
)
from kubectl_prism.ai.providers.base import Completion, OnText
from kubectl_prism.ai.providers.bounded import Deadline, DeadlinePassed, bounded_call, bounded_events
from kubectl_prism.errors import AIError

if TYPE_CHECKING:
    from kubectl_prism.ai.config import AISettings

T = TypeVar("T")
CONNECT_TIMEOUT = 5.0  # seconds to open a connection; the rest of `timeout` is for the answer


class ProviderFailure(Exception):
    """An exception raised inside SDK code (in the request worker); `__cause__` holds it."""


class SDKClientHolder:
    """Settings, one lazily built SDK client, and the bounded request every provider sends.

    `prewarm` may build the client in a background thread while the cluster is read, hence the lock.
    Subclasses set `name` and `key_env_var`, and implement `_build_client` (the SDK import lives there),
    `_read_stream` and `_read_json`.
    """

    name: str
    key_env_var: str

    def __init__(self, settings: AISettings) -> None:
        if settings.api_key is None:
            raise ValueError("a provider needs a resolved API key")
        self.model = settings.model
        self._settings = settings
        self._client: Any = None
        self._client_lock = threading.Lock()
        self.answer_limit = answer_limit(settings.max_output_tokens)
        # Some models refuse any temperature but their default (OpenAI's reasoning models); a provider
        # that says so once is not sent one again.
        self.sends_temperature = settings.temperature is not None and self._model_takes_temperature()

    def _model_takes_temperature(self) -> bool:
        return True

    def warm(self) -> None:
        """Import the SDK and build the client now (called by `prewarm` off the main thread)."""
        self._sdk_client()

    def _sdk_client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def _build_client(self) -> Any:
        raise NotImplementedError

    def _read_stream(self, client: Any, kwargs: dict[str, Any], on_text: OnText | None,
                     deadline: Deadline) -> Completion:
        raise NotImplementedError

    def _read_json(self, client: Any, kwargs: dict[str, Any], deadline: Deadline) -> Completion:
        raise NotImplementedError

    # --- sending --------------------------------------------------------------------------------
    def _send(self, kwargs: dict[str, Any], *, stream: bool, on_text: OnText | None) -> Completion:
        """One request, with all its SDK retries, within `timeout` seconds in total (counted once the
        SDK is imported and its client built: that is our time, not the provider's)."""
        try:
            client = self._sdk_client()
        except Exception as err:  # e.g. the SDK refusing incomplete Azure settings
            if is_sdk_error(err):
                raise self._failure(err) from err
            raise
        deadline = Deadline(self._settings.timeout)
        try:
            try:
                return self._attempt(client, kwargs, stream, on_text, deadline)
            except ProviderFailure as failure:
                if "temperature" not in kwargs or not _rejects_temperature(failure.__cause__):
                    raise
                self.sends_temperature = False
                kwargs.pop("temperature")
                return self._attempt(client, kwargs, stream, on_text, deadline)
        except DeadlinePassed as passed:
            raise self._too_slow(passed) from None
        except ProviderFailure as failure:
            raise self._failure(failure.__cause__) from failure.__cause__

    def _attempt(self, client: Any, kwargs: dict[str, Any], stream: bool, on_text: OnText | None,
                 deadline: Deadline) -> Completion:
        if stream:
            return self._read_stream(client, kwargs, on_text, deadline)
        return self._read_json(client, kwargs, deadline)

    def _json_answer(self, open_response: Callable[[], Any], deadline: Deadline) -> dict[str, Any]:
        """A non-streamed answer's JSON object, its body read (capped) by the worker.

        `open_response` is the SDK's `with_streaming_response.create(...)`: the SDK still sends, retries
        and raises for HTTP errors, but the body is ours to read, so its size is capped and a body that
        is not JSON (a proxy's page) is named as such.
        """
        limit = self.answer_limit * BODY_BYTES_PER_CHAR + BODY_OVERHEAD

        def fetch() -> Any:
            with open_response() as response:
                return read_json_body(response.iter_bytes(), response.headers.get("content-type"),
                                      self.name, limit)

        return self._call(fetch, deadline)

    def _stream_events(self, open_stream: Callable[[], Any], deadline: Deadline) -> Iterator[Any]:
        """The events of a streamed answer; `open_stream` is the SDK's `create(..., stream=True)`."""
        def opened() -> Any:
            stream = open_stream()
            try:
                event_stream_check(stream.response.headers.get("content-type"), self.name)
            except Exception:
                stream.close()
                raise
            return stream

        return self._events(opened, deadline)

    def _events(self, open_stream: Callable[[], Iterable[T]], deadline: Deadline) -> Iterator[T]:
        """The events of a streamed answer, read in the worker; SDK-side failures marked as such."""
        iterator = bounded_events(open_stream, deadline)
        try:
            while True:
                try:
                    event = next(iterator)
                except StopIteration:
                    return
                except DeadlinePassed:
                    raise
                except Exception as err:  # raised in the worker, by SDK code (or our content check)
                    raise ProviderFailure() from err
                yield event
        finally:
            iterator.close()

    def _call(self, call: Callable[[], T], deadline: Deadline) -> T:
        try:
            return bounded_call(call, deadline)
        except (DeadlinePassed, AIError):
            raise
        except Exception as err:
            raise ProviderFailure() from err

    # --- failures -------------------------------------------------------------------------------
    def _failure(self, err: BaseException | None) -> AIError:
        if isinstance(err, AIError):
            return err
        if err is not None and is_sdk_error(err):
            return provider_error(err, provider=self.name, model=self.model, key_env_var=self.key_env_var,
                                  timeout=self._settings.timeout)
        return malformed(self.name, f"{type(err).__name__}: {_short(err)}")

    def _too_slow(self, passed: DeadlinePassed) -> AIError:
        hint = "try again, or raise `timeout` in the [ai] config"
        if passed.received:
            return AIError(f"{self.name} was still answering after {passed.seconds:g} s; what was shown "
                           "is incomplete", hint=hint)
        return AIError(f"{self.name} did not answer within {passed.seconds:g} s", hint=hint)


def _rejects_temperature(err: BaseException | None) -> bool:
    """A 400 that names `temperature` (e.g. OpenAI's "Unsupported value: 'temperature' ...")."""
    if err is None or getattr(err, "status_code", None) != 400:
        return False
    return getattr(err, "param", None) == "temperature" or "temperature" in str(err).lower()


def is_sdk_error(err: BaseException) -> bool:
    """An error raised by a provider SDK or its HTTP client (as opposed to a bug of ours)."""
    module = type(err).__module__.split(".")[0]
    return module in ("anthropic", "openai", "httpx", "httpx2", "httpcore", "h11")


def provider_error(
    err: BaseException,
    *,
    provider: str,
    model: str,
    key_env_var: str,
    login_provider: str | None = None,
    timeout: float | None = None,
) -> AIError:
    """One line (exit 4) for any SDK failure. Works for both SDKs: they share the exception names."""
    status = getattr(err, "status_code", None)
    name = type(err).__name__
    login = login_provider or provider
    fix_key = f"run `kubectl prism auth login {login}` or set {key_env_var}"
    if status in (401, 403):
        return AIError(f"{provider} rejected the key (HTTP {status})", hint=fix_key)
    if status == 404:
        return AIError(
            f"{provider}: model {model} not found",
            hint="choose another with `kubectl prism ai enable --model`",
        )
    if status == 429:
        return AIError(
            f"{provider} rate limit reached (HTTP 429) after retries", hint="wait a moment and try again"
        )
    # An error event in the middle of a streamed answer: Anthropic's carries the 200 of the stream,
    # OpenAI's is a plain APIError.
    if status == 200 or (status is None and name == "APIError"):
        return AIError(f"{provider} broke off its answer with an error: {_detail(err)}",
                       hint="try again; what was shown is incomplete")
    if status == 413:
        return AIError(f"{provider}: request too large", hint="narrow the scope (-n, a TARGET)")
    if isinstance(status, int) and status >= 500:
        return AIError(f"{provider} server error (HTTP {status}) after retries", hint="try again later")
    if isinstance(status, int):
        return AIError(f"{provider} refused the request (HTTP {status}): {_short(err)}")
    if "Timeout" in name:
        within = f" within {timeout:g} s" if timeout else " in time"
        return AIError(
            f"{provider} did not answer{within}", hint="try again, or raise `timeout` in the [ai] config"
        )
    if "Connection" in name:
        return AIError(f"cannot reach {provider}: {_short(err)}", hint="check the network or the base URL")
    return AIError(f"{provider} request failed: {name}: {_short(err)}")


def _detail(err: BaseException) -> str:
    """`overloaded_error: Overloaded` from an error body, else the exception's text."""
    body = getattr(err, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(inner, dict) and inner.get("message"):
        kind = f"{inner['type']}: " if isinstance(inner.get("type"), str) else ""
        return _short(f"{kind}{inner['message']}")
    return _short(err)


def _short(err: BaseException | str | None) -> str:
    # Provider error bodies can echo parts of the request (or a masked key): redact before showing.
    from kubectl_prism.redact import redact_text

    return redact_text(" ".join(str(err).split())[:200]).text
