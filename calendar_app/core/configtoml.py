"""The effective configuration written as TOML (`calendar-app config`): every setting, defaults included.

What it writes, `load_config` reads back to the same settings. TOML has no "none", so a setting
that is unset is written as a comment, and so is `base_url` when the configuration leaves it to
the address the server listens on.
"""

from __future__ import annotations

from typing import Any

import tomlkit

from .config import SiteConfig

_ARRAYS_OF_TABLES = ("sponsors", "observances", "sources")


def config_toml(config: SiteConfig, source: str | None) -> str:
    """`config` as a TOML document; `source` names the file it was read from (None: the defaults)."""
    doc = tomlkit.document()
    origin = f"{source} with every default filled in" if source else "the defaults (no configuration file)"
    doc.add(tomlkit.comment(f"The effective configuration: {origin}."))
    doc.add(tomlkit.comment("Every setting: docs/reference/settings.md, or `calendar-app config-doc`."))
    values = config.model_dump(mode="json")
    site = tomlkit.table()
    for name in SiteConfig.model_fields:
        if name in _ARRAYS_OF_TABLES:
            continue
        value = values[name]
        if name == "base_url" and not config.base_url_set:
            site.add(tomlkit.comment(f'base_url = "{value}"  # unset: `calendar-app serve` names where it listens'))
        elif value is None:
            site.add(tomlkit.comment(f"{name} = (unset)"))
        else:
            site.add(name, value)
    doc.add("site", site)
    for name in _ARRAYS_OF_TABLES:
        tables = tomlkit.aot()
        for item in values[name]:
            tables.append(_table(item))
        doc.add(tomlkit.nl())
        doc.add(name, tables)
    return tomlkit.dumps(doc)


def _table(item: dict[str, Any]) -> tomlkit.items.Table:
    """One sponsor, observance or source; its own tables (links, key dates, defaults) nested under it."""
    table = tomlkit.table()
    for key, value in item.items():
        if value is None:
            continue
        if isinstance(value, dict):  # a source's defaults: only those it sets
            given = {k: v for k, v in value.items() if v not in (None, [], {})}
            if given:
                table.add(key, _table(given))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            nested = tomlkit.aot()
            for entry in value:
                nested.append(_table(entry))
            table.add(key, nested)
        else:
            table.add(key, value)
    return table
