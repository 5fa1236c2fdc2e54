"""Settings: precedence flags > environment > file > defaults, the key kept secret."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from reviewer.config import ConfigError, Settings, add_llm_arguments, default_home, load_settings, settings_from_args

KEY = "sk-test-key-never-shown-0123456789"


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_set(tmp_path):
    settings = load_settings(environ={"HOME": str(tmp_path)})
    assert settings.response_format == "json_schema"
    assert (settings.timeout, settings.max_retries, settings.max_reasks) == (60.0, 4, 2)
    assert (settings.temperature, settings.concurrency) == (0.0, 4)
    assert not settings.configured


def test_default_home_follows_xdg_data_home(tmp_path):
    assert default_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "reviewer"
    assert default_home({}) == Path.home() / ".local" / "share" / "reviewer"


def test_configured_needs_base_url_and_model_but_not_a_key():
    assert Settings(base_url="http://localhost:8000/v1", model="qwen2.5").configured
    assert not Settings(base_url="http://localhost:8000/v1").configured
    assert not Settings(model="qwen2.5").configured


def test_reviewer_variables_win_over_openai_variables(tmp_path):
    environ = {
        "REVIEWER_HOME": str(tmp_path),
        "OPENAI_BASE_URL": "https://api.openai.com/v1",
        "REVIEWER_BASE_URL": "https://api.deepseek.com/v1",
        "OPENAI_API_KEY": "sk-openai",
        "REVIEWER_API_KEY": "sk-reviewer",
        "REVIEWER_MODEL": "deepseek-chat",
    }
    settings = load_settings(environ=environ)
    assert settings.base_url == "https://api.deepseek.com/v1"
    assert settings.api_key.get_secret_value() == "sk-reviewer"
    assert settings.home == tmp_path
    assert settings.configured


def test_openai_variables_are_the_fallback(tmp_path):
    environ = {"REVIEWER_HOME": str(tmp_path), "OPENAI_BASE_URL": "https://x/v1", "OPENAI_API_KEY": "sk-o"}
    settings = load_settings(environ=environ)
    assert (settings.base_url, settings.api_key.get_secret_value()) == ("https://x/v1", "sk-o")


def test_precedence_is_flags_then_environment_then_file_then_defaults(tmp_path):
    write_config(tmp_path, 'base_url = "http://file/v1"\nmodel = "file-model"\ntimeout = 5\nmax_reasks = 1\n')
    environ = {"REVIEWER_HOME": str(tmp_path), "REVIEWER_MODEL": "env-model", "REVIEWER_TIMEOUT": "7"}
    settings = load_settings({"timeout": 9.0, "model": None}, environ=environ)
    assert settings.timeout == 9.0  # flag over env over file
    assert settings.model == "env-model"  # env over file; a None flag is no flag
    assert settings.base_url == "http://file/v1"  # file over default
    assert settings.max_reasks == 1
    assert settings.max_retries == 4  # default


def test_config_file_given_by_path_may_set_home_and_name_the_key_variable(tmp_path):
    path = tmp_path / "elsewhere.toml"
    path.write_text(f'home = "{tmp_path / "h"}"\napi_key_env = "DEEPSEEK_API_KEY"\n', encoding="utf-8")
    settings = load_settings(config_path=path, environ={"DEEPSEEK_API_KEY": KEY})
    assert settings.home == tmp_path / "h"
    assert settings.api_key.get_secret_value() == KEY


def test_missing_explicit_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(config_path=tmp_path / "nope.toml", environ={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("modle = 'x'\n", "unknown settings modle"),
        ("timeout = [\n", "config.toml"),
        ("response_format = 'xml'\n", "response_format"),
    ],
)
def test_bad_config_files_are_reported(tmp_path, text, message):
    write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={"REVIEWER_HOME": str(tmp_path)})


def test_invalid_value_message_does_not_echo_the_input(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings({"timeout": KEY}, environ={"REVIEWER_HOME": str(tmp_path)})
    assert KEY not in str(caught.value)


def test_api_key_never_appears_in_repr_str_or_dump():
    settings = Settings(base_url="http://x/v1", model="m", api_key=KEY)
    for text in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert KEY not in text
    assert settings.api_key.get_secret_value() == KEY


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_llm_arguments(parser)
    return parser.parse_args(argv)


def test_common_flags_become_settings(tmp_path):
    args = parse(
        ["--base-url", "http://flag/v1", "--model", "qwen-plus", "--api-key-env", "QWEN_KEY",
         "--response-format", "json_object", "--timeout", "12.5"]
    )
    environ = {"REVIEWER_HOME": str(tmp_path), "QWEN_KEY": KEY, "REVIEWER_API_KEY": "sk-env"}
    settings = settings_from_args(args, environ=environ)
    assert (settings.base_url, settings.model) == ("http://flag/v1", "qwen-plus")
    assert settings.response_format == "json_object"
    assert settings.timeout == 12.5
    assert settings.api_key.get_secret_value() == KEY  # the flag's variable beats REVIEWER_API_KEY


def test_api_key_env_naming_an_unset_variable_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="QWEN_KEY"):
        settings_from_args(parse(["--api-key-env", "QWEN_KEY"]), environ={"REVIEWER_HOME": str(tmp_path)})


def test_a_key_given_where_a_variable_name_belongs_is_not_echoed(tmp_path):
    # argparse reads `--api-key KEY` as the abbreviation of --api-key-env
    with pytest.raises(ConfigError) as caught:
        settings_from_args(parse(["--api-key", KEY]), environ={"REVIEWER_HOME": str(tmp_path)})
    assert KEY not in str(caught.value)
