"""Settings for the language-model client: endpoint, model, key, home folder, limits.

Each setting is resolved field by field with the precedence
flags > environment > config file > defaults.

Environment: REVIEWER_BASE_URL (else OPENAI_BASE_URL), REVIEWER_MODEL,
REVIEWER_API_KEY (else OPENAI_API_KEY), REVIEWER_HOME, and REVIEWER_<FIELD> for the
other fields (REVIEWER_TIMEOUT, REVIEWER_RESPONSE_FORMAT, ...).
Config file: $REVIEWER_HOME/config.toml, or the path given by --config; flat keys
named like the fields below, plus `api_key_env` naming the variable that holds the key.

The API key is a SecretStr: it never appears in a repr, str or model dump.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILE_NAME = "config.toml"
ResponseFormat = Literal["json_schema", "json_object"]


class ConfigError(ValueError):
    """A setting could not be read: bad file, bad value, missing key variable."""


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    data_home = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "reviewer"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = ""
    model: str = ""
    api_key: SecretStr = SecretStr("")
    home: Path = Field(default_factory=default_home)
    response_format: ResponseFormat = "json_schema"
    timeout: float = Field(60.0, gt=0, description="seconds per HTTP request")
    max_retries: int = Field(4, ge=0, description="transport retries after the first request")
    max_reasks: int = Field(2, ge=0, description="re-asks after an unparsable or invalid reply")
    temperature: float = 0.0
    concurrency: int = Field(4, ge=1, description="requests in flight at once per client")
    # Backoff between transport retries: random in [0, backoff * 2**n], at most backoff_max.
    retry_backoff: float = Field(1.0, ge=0)
    retry_backoff_max: float = Field(30.0, ge=0)
    # A server's Retry-After is honoured up to this many seconds.
    retry_after_max: float = Field(60.0, ge=0)

    @property
    def configured(self) -> bool:
        """True when a model can be called; the key may be empty (local vLLM/Ollama)."""
        return bool(self.base_url and self.model)


_FIELDS = set(Settings.model_fields)
# Environment variables read for each field, first found wins.
_ENV_NAMES: dict[str, tuple[str, ...]] = {
    "base_url": ("REVIEWER_BASE_URL", "OPENAI_BASE_URL"),
    "api_key": ("REVIEWER_API_KEY", "OPENAI_API_KEY"),
}


def _env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for field in _FIELDS:
        for name in _ENV_NAMES.get(field, (f"REVIEWER_{field.upper()}",)):
            if environ.get(name):
                layer[field] = environ[name]
                break
    return layer


def _key_from_variable(name: str, environ: Mapping[str, str], where: str) -> str:
    if name in environ:
        return environ[name]
    # argparse takes `--api-key sk-...` as an abbreviation of --api-key-env: name the
    # variable in the message only when it looks like one, never echo a key.
    looks_like_a_variable = re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", name)
    shown = name if looks_like_a_variable else "(not a variable name: give the NAME of the variable holding the key)"
    raise ConfigError(f"{where}: environment variable {shown} for the API key is not set")


def _file_layer(path: Path, environ: Mapping[str, str], required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ConfigError(f"config file not found: {path}")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    unknown = set(data) - _FIELDS - {"api_key_env"}
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
    if "api_key_env" in data:
        data["api_key"] = _key_from_variable(str(data.pop("api_key_env")), environ, str(path))
    return data


def _flag_layer(overrides: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    layer = {k: v for k, v in overrides.items() if v is not None and k in _FIELDS}
    if overrides.get("api_key_env"):
        layer["api_key"] = _key_from_variable(overrides["api_key_env"], environ, "--api-key-env")
    return layer


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from flags (`overrides`; None values ignored) > environment > file > defaults.

    `overrides` may hold any Settings field and `api_key_env`. The config file is
    `config_path` when given (it must exist), else `config.toml` in the home folder
    chosen by the flags or environment (it may be missing).
    """
    environ = os.environ if environ is None else environ
    flags = _flag_layer(overrides or {}, environ)
    env = _env_layer(environ)
    home = Path(flags.get("home") or env.get("home") or default_home(environ)).expanduser()
    path = Path(config_path).expanduser() if config_path else home / CONFIG_FILE_NAME
    merged = {"home": home, **_file_layer(path, environ, required=config_path is not None), **env, **flags}
    merged["home"] = Path(merged["home"]).expanduser()
    try:
        return Settings(**merged)
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc)) from None


def _validation_message(exc: ValidationError) -> str:
    # input values are left out: one of them may be the API key
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every command that may call a language model shares."""
    group = parser.add_argument_group("language model")
    group.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1")
    group.add_argument("--model", help="model name, e.g. deepseek-chat, qwen-plus")
    group.add_argument(
        "--api-key-env", metavar="VAR", help="read the API key from this environment variable (keys are never flags)"
    )
    group.add_argument("--response-format", choices=["json_schema", "json_object"])
    group.add_argument("--timeout", type=float, metavar="SECONDS", help="per request (default 60)")
    group.add_argument("--config", metavar="PATH", help="config file (default $REVIEWER_HOME/config.toml)")


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings for a command whose parser went through add_llm_arguments."""
    overrides = {
        name: getattr(args, name, None)
        for name in ("base_url", "model", "api_key_env", "response_format", "timeout", "home")
    }
    return load_settings(overrides, config_path=getattr(args, "config", None), environ=environ)
