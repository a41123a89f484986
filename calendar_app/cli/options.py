"""What every command reads the same way: which configuration file, and the settings in it."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.config import DEFAULT_CONFIG_NAME, SiteConfig, load_config


def config_path(args: argparse.Namespace) -> Path | None:
    """The file `--config` names, else calendar.toml in the current folder if there is one."""
    if args.config is not None:
        return Path(args.config)
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.exists() else None


def read_config(args: argparse.Namespace) -> SiteConfig:
    return load_config(config_path(args))
