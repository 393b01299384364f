"""Entry point: registers the commands and turns expected failures into one line and an exit code."""

from __future__ import annotations

import contextlib
import gc
import os
import sys

import typer
from typer.exceptions import TyperException

from kubectl_prism.commands import (
    agent,
    ai,
    ask,
    audit,
    auth,
    context,
    diagnose,
    examples,
    explain,
    exporter,
    fix,
    mcp,
    report,
)
from kubectl_prism.commands import version as version_cmd
from kubectl_prism.errors import ExitCode, PrismError
from kubectl_prism.output_guard import OutputError, discard_stdout, guard_stdout

app = typer.Typer(
    name="prism",
    help="An AI copilot for Kubernetes that stays fully useful without AI.\n\n"
    "Diagnoses workloads with rule-based analyzers; explains them with your own AI provider only when "
    "you opt in, and only after redaction.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

app.command("diagnose")(diagnose.diagnose)
app.command("explain")(explain.explain)
app.command("ask")(ask.ask)
app.command("report")(report.report)
app.command("fix")(fix.fix)
app.command("context")(context.context)
app.add_typer(ai.app, name="ai")
app.add_typer(auth.app, name="auth")
app.add_typer(agent.app, name="agent")
app.add_typer(mcp.app, name="mcp")
app.command("exporter")(exporter.exporter)
app.command("audit")(audit.audit)
app.command("version")(version_cmd.version)
examples.attach(app)  # the `Examples:` block of every command's --help

# Exit code for a bug in prism itself (sysexits' EX_SOFTWARE), kept apart from the documented codes.
INTERNAL_ERROR = 70


def _prog_name(argv0: str) -> str:
    base = os.path.basename(argv0)
    return "kubectl prism" if base.startswith("kubectl-prism") else "prism"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    verbose = any(a in ("-v", "--verbose") for a in args)
    if argv is None:
        # Before any thread starts: threads allocating at once would each get a heap of their own.
        from kubectl_prism.arenas import limit_malloc_arenas

        limit_malloc_arenas()
        # Commands that will call AI start the provider SDK import (about a second) right away, in
        # the background, so it overlaps argument parsing and cluster gathering.
        from kubectl_prism.ai.early import prewarm_for_argv

        prewarm_for_argv(args)
        guard_stdout()
    try:
        code = app(args=args, prog_name=_prog_name(sys.argv[0]), standalone_mode=False)
        sys.stdout.flush()  # a full disk shows here, not in the interpreter's exit
    except PrismError as err:
        if isinstance(err, OutputError):
            discard_stdout()
        _fail(err.line(), int(err.exit_code), verbose)
    except TyperException as err:  # typer's own usage errors: bad flag, unknown command, ...
        show = getattr(err, "show", None)
        show() if show else print(f"error: {err.format_message()}", file=sys.stderr)
        # A bare `kubectl prism` shows the help, like kubectl does, and that is not an error.
        sys.exit(0 if type(err).__name__ == "NoArgsIsHelpError" else err.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        _interrupted()
    except BrokenPipeError:
        _reader_left()
    except SystemExit as exit_:
        # typer (inside a command) and rich (printing help) turn a broken pipe into exit 1 while
        # handling the BrokenPipeError: it is the exit's context.
        if isinstance(exit_.__context__, BrokenPipeError):
            _reader_left()
        raise
    except Exception as err:
        _fail(f"internal error: {err.__class__.__name__}: {err} (rerun with -v for details)", INTERNAL_ERROR,
              verbose)
    finally:
        if argv is None:
            # The process ends now. The interpreter's exit would run full garbage collections over
            # everything still alive (a snapshot, the kubernetes client's modules): ~0.2-1.5 s for
            # nothing. Freezing takes it all out of their sight. In-process callers pass argv.
            gc.freeze()
    if code == ExitCode.INTERRUPTED:
        # typer turns a KeyboardInterrupt inside a command into a returned 130 (no command returns it)
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


def _reader_left() -> None:
    """`prism diagnose -A | head`: the reader left. Not an error: say nothing more, exit 0."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)


def _interrupted() -> None:
    """Ctrl-C: say so and exit 130 now, even while worker threads wait on the network.

    `finally` blocks and context managers (atomic writes, thread pools told to drop queued work) ran
    while the interrupt unwound to here. What is left is the interpreter's exit, which joins every
    non-daemon thread — pool workers blocked in a read would hold it for up to the 60 s read timeout.
    So when such threads are alive, run the atexit handlers (e.g. the kubernetes loader deletes its
    temporary certificate files), flush, and leave without joining them.
    """
    import threading

    code = int(ExitCode.INTERRUPTED)
    print("error: interrupted", file=sys.stderr)
    current = threading.current_thread()
    if not any(t is not current and t.is_alive() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said there
            stream.flush()
    os._exit(code)


def _fail(line: str, code: int, verbose: bool) -> None:
    if verbose and sys.exc_info()[0] is not None:
        import traceback

        traceback.print_exc()
    # Error lines echo names, server messages and file contents: they are redacted like every output.
    from kubectl_prism.redact.output import clear_error_line

    print(f"error: {clear_error_line(line)}", file=sys.stderr)
    sys.exit(code)
