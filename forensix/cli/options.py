"""Option bundles shared by several commands."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import click

from forensix.cli.console import UserError
from forensix.pluginhost import PluginSelectionError
from forensix.volumes.secrets import Secrets


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


def secret_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--password / --recovery-key / --startup-key: the keys of encrypted volumes, handed to the
    command as one ``secrets`` (:class:`forensix.volumes.secrets.Secrets`, memory only). The scan
    opens the volumes with them; the report opens them again to read the pictures it shows."""
    @functools.wraps(func)
    def gathered(*args: Any, password: str | None, recovery_key: str | None, startup_key: str | None,
                 **kwargs: Any) -> Any:
        if password == "-":
            password = click.prompt("Password for encrypted volumes", hide_input=True, err=True)
        return func(*args, secrets=Secrets(password or None, recovery_key or None, startup_key), **kwargs)

    gathered = click.option("--startup-key", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
                            help="BitLocker startup key file (.BEK).")(gathered)
    gathered = click.option("--recovery-key", metavar="KEY",
                            help="BitLocker recovery key (48 digits) or APFS recovery key.")(gathered)
    gathered = click.option("--password", metavar="PASSWORD",
                            help="Password of BitLocker, LUKS and encrypted APFS volumes; '-' asks for it without "
                                 "showing it. Kept in memory only, never written to the case.")(gathered)
    return gathered


def parse_options(values: tuple[str, ...]) -> dict[str, str]:
    """``--option key=value`` pairs for plugins."""
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UserError(f"--option {item!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out
