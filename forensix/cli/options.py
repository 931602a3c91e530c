"""Option bundles shared by several commands."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import click

from forensix.cli.console import UserError
from forensix.pluginhost import PluginSelectionError


def plugin_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--disable-plugin / --enable-plugin / --plugins-dir: which plugins run.

    A plugin name that matches nothing is a user error (exit 2) wherever the
    command builds its plugin host: the bundle that takes the names answers for them.
    """
    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PluginSelectionError as exc:
            raise UserError(str(exc)) from None

    checked = click.option("--plugins-dir", "plugins_dirs", multiple=True,
                           type=click.Path(exists=True, file_okay=False, path_type=Path),
                           help="Also load every plugin module (*.py) in this folder.")(checked)
    checked = click.option("--enable-plugin", "enable", multiple=True, metavar="NAME",
                           help="Run an optional plugin (see `forensix plugins`).")(checked)
    checked = click.option("--disable-plugin", "disable", multiple=True, metavar="NAME",
                           help="Do not run this plugin.")(checked)
    return checked


def parse_options(values: tuple[str, ...]) -> dict[str, str]:
    """``--option key=value`` pairs for plugins."""
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--option {item!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out
