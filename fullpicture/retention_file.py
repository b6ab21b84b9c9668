"""The retention schedule's file: the one shipped with the package (`domain/retention.toml`), or
the partnership's own (`FULLPICTURE_RETENTION_FILE`). A broken file is one clear error naming
the setting and the place in the file, before anything is listed or decided."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from domain.retention_schedule import RetentionSchedule, ScheduleProblem, parse_schedule
from fullpicture.config import RETENTION_FILE, ConfigurationError


def shipped_schedule_text() -> str:
    return files("domain").joinpath("retention.toml").read_text(encoding="utf-8")


def load_schedule(path: Path | None) -> RetentionSchedule:
    """The schedule from `path`, or the shipped one when None."""
    where = str(path) if path is not None else "the shipped retention.toml"
    try:
        text = path.read_text(encoding="utf-8") if path is not None else shipped_schedule_text()
        return parse_schedule(tomllib.loads(text))
    except OSError as error:
        raise ConfigurationError(RETENTION_FILE, f"{where}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(RETENTION_FILE, f"{where}: {error}") from None
    except ScheduleProblem as problem:
        raise ConfigurationError(RETENTION_FILE, f"{where}: {problem}") from None
