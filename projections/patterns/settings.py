"""Pattern thresholds and windows: the defaults file, and a partnership's own overrides."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DEFAULTS_FILE = Path(__file__).with_name("patterns.toml")

PatternConfig = dict[str, dict[str, Any]]


class PatternConfigError(ValueError):
    """An override names a pattern or setting that does not exist, or has the wrong type."""


def load_pattern_config(path: Path | None = None) -> PatternConfig:
    config: PatternConfig = tomllib.loads(DEFAULTS_FILE.read_text())
    if path is None:
        return config
    try:
        overrides = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PatternConfigError(f"{path}: {error}") from None
    for pattern, values in overrides.items():
        if pattern not in config:
            raise PatternConfigError(f"{path}: unknown pattern [{pattern}]")
        for key, value in values.items():
            if key not in config[pattern]:
                raise PatternConfigError(f"{path}: unknown setting {pattern}.{key}")
            if type(value) is not type(config[pattern][key]) and not (
                isinstance(value, int) and isinstance(config[pattern][key], float)
            ):
                raise PatternConfigError(
                    f"{path}: {pattern}.{key} should be {type(config[pattern][key]).__name__}"
                )
            config[pattern][key] = value
    return config
