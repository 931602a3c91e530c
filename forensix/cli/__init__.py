"""The ``forensix`` command group: one module per command, added here."""
from __future__ import annotations

import sys
import traceback

import click

from forensix import __version__
from forensix.cli.console import (EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_SYSTEM, CommandGroup, console,
                                  debug_enabled, machine_failure)


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def _add_commands() -> None:
    """The built-in commands, then those plugins add through ``forensix_add_commands``."""
    from forensix.cli import case, demo, export, hashset, plugins_cmd, repo, report, scan, verify, worker
    from forensix.pluginhost import call_impl, get_plugin_host

    if "scan" in cli.commands:
        return  # already set up (tests call this more than once)
    for module in (scan, export, plugins_cmd, hashset, case, report, verify, demo, worker, repo):
        cli.add_command(module.command)
    cli.add_command(verify.verify_evidence_command)
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
    _add_commands()
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
