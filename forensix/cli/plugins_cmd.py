"""``forensix plugins``: what is loaded, what failed to load and why."""
from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from forensix.cli.console import console
from forensix.cli.options import plugin_options
from forensix.pluginhost import get_plugin_host


@click.command("plugins")
@plugin_options
def command(disable: tuple[str, ...], enable: tuple[str, ...], plugins_dirs: tuple[Path, ...]) -> None:
    """List plugins: name, version, hooks, and load failures."""
    from plugins import OPTIONAL

    host = get_plugin_host(plugins_dirs=plugins_dirs, enable=enable, disable=disable)
    table = Table(title="forensix plugins")
    for column in ("name", "version", "source", "hooks", "description"):
        table.add_column(column)
    for info in host.info():
        hooks = ", ".join(h.removeprefix("forensix_") for h in info.hooks)
        table.add_row(info.name, info.version, info.source, hooks, info.description)
    console.err.print(table)
    loaded = {name for name, _ in host.plugins()}
    idle = sorted(set(OPTIONAL) - loaded)
    if idle:
        console.info(f"optional, off (enable with --enable-plugin NAME): {', '.join(idle)}")
    for failure in host.failures:
        console.warning(f"plugin {failure.plugin} not loaded: {failure.error}")
