"""The ``forensix`` command group: one module per command, added here."""
from __future__ import annotations

import functools
import importlib
import sys
import traceback

import click

from forensix import __version__
from forensix.cli.console import (EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_SYSTEM, CommandGroup, console,
                                  debug_enabled, machine_failure)


BUILT_IN = {
    "scan": "scan", "export": "export", "plugins": "plugins_cmd", "hashset": "hashset", "case": "case",
    "report": "report", "verify": "verify", "verify-evidence": "verify:verify_evidence_command", "demo": "demo",
    "worker": "worker", "repo": "repo",
}
"""Each built-in command's module in ``forensix.cli`` (and its attribute, ``command`` unless named)."""


class _Commands(CommandGroup):
    """The built-in commands imported when one is run, not all at every start: the report's,
    the exports' and the lab's libraries cost a third of a second to load, on every command,
    that a scan never uses. Commands a plugin adds (``forensix_add_commands``) need the plugins
    loaded, so they are looked up only for a name that is not built in, or for the list."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        _add_plugin_commands()
        return sorted({*BUILT_IN, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in BUILT_IN:
            module, _, attribute = BUILT_IN[name].partition(":")
            self.add_command(getattr(importlib.import_module(f"forensix.cli.{module}"), attribute or "command"),
                             name)
        elif name not in self.commands:
            _add_plugin_commands()
        return self.commands.get(name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="forensix")
def cli() -> None:
    """forensix: triage of seized evidence, read-only and offline.

    \b
    Exit status: 0 done (warnings are in the case and the summary),
    1 a check failed (verify), 2 a user error (bad arguments, missing or
    unreadable evidence, a case folder in use), 70 an internal error
    (FORENSIX_DEBUG=1 shows why), 74 the machine failed (the case's disk is
    full, read-only or gone), 130 interrupted (Ctrl-C).
    """


@functools.cache
def _add_plugin_commands() -> None:
    """The commands plugins add through ``forensix_add_commands`` (once: tests ask more than once)."""
    from forensix.pluginhost import call_impl, get_plugin_host

    host = get_plugin_host()
    for impl in host.impls("forensix_add_commands"):
        try:
            call_impl(impl, cli=cli)
        except Exception as exc:  # a plugin's command must not break the built-in ones
            console.warning(f"plugin {impl.plugin_name} could not add its commands: {exc}")


def main() -> None:
    """Entry point: a user never sees a traceback unless FORENSIX_DEBUG is set.

    click's standalone mode would turn Ctrl-C into exit status 1 (our "a check
    failed"), so its exceptions are handled here instead.
    """
    try:
        result = cli.main(standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        console.error("interrupted; what was done so far is in the case, and its log says the scan ended early")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence, by design
        if debug_enabled():
            traceback.print_exc()
        failure = machine_failure(exc)
        if failure is not None:
            console.error(failure)
            sys.exit(EXIT_SYSTEM)
        console.error(f"internal error: {exc.__class__.__name__}: {exc} (set FORENSIX_DEBUG=1 for details)")
        sys.exit(EXIT_INTERNAL)
    sys.exit(result if isinstance(result, int) else EXIT_OK)
