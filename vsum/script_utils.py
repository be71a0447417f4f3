# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Command-line plumbing of the scripts in `scripts/`: one-line errors and spelling hints, like the `vsum` command.

```python
from vsum.script_utils import HfArgumentParser, run_script  # `ArgumentParser` for plain argparse scripts


def main(argv=None):
    (args,) = HfArgumentParser(MyArguments).parse_args_into_dataclasses(args=argv)
    ...


if __name__ == "__main__":
    sys.exit(run_script(main))
```

* A bad command line (unknown, abbreviated, missing or malformed arguments; with [`usage_errors`], the values a
  script's own checks refuse) ends as argparse ends, `SystemExit(2)`, but after ONE line, `<script>: error:
  <message>`, without the usage block (hundreds of lines for the training script: `--help` shows it). An unknown
  flag names the closest known one: "(did you mean --learning_rate?)".
* Errors in what the arguments point at (`ValueError`, `OSError`: a missing folder, an unreadable checkpoint, bad
  data) end in [`run_script`] with the same one line and exit code 1, as `vsum summarize` does.
* Anything else is a bug and keeps its traceback. `VSUM_DEBUG=1` shows the traceback of every error.
* Under a multi-process launch (`accelerate launch`, `torchrun`) every process parses the same command line, so only
  the main process (rank 0) prints a bad command line. Another error is printed at once by the main process; the
  other processes wait [`NON_MAIN_ERROR_DELAY_S`] first, tagged with their rank (`train.py [rank 1]: error: ...`):
  when the main process failed too, the launcher has stopped them by then (one line in all), and an error that only
  another process meets is not lost.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NoReturn

from transformers import HfArgumentParser as _HfArgumentParser


#: Environment variable that turns the one-line errors back into tracebacks.
DEBUG_ENV = "VSUM_DEBUG"
#: Exceptions reported in one line: errors of the user's input, not of the code.
EXPECTED_ERRORS = (ValueError, OSError)
#: Exit codes: a bad command line (argparse's), and a failure on what it points at.
USAGE_EXIT_CODE, ERROR_EXIT_CODE = 2, 1
#: Seconds a process other than the main one waits before printing its error (see the module docstring): torchrun
#: stops the others once the main process has exited, which took 1.5 s after its error line on a loaded 2-core
#: machine. Only an error the main process does not meet waits this long (the main one then waits on it anyway).
NON_MAIN_ERROR_DELAY_S = 10.0


def debug_enabled() -> bool:
    """Whether `VSUM_DEBUG` asks for tracebacks."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def process_rank() -> int:
    """This process's rank in a multi-process launch (0 alone), from the launcher's environment (torchrun, MPI): an
    error may come before any `Accelerator` exists."""
    from accelerate.utils import get_int_from_env

    return get_int_from_env(["RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "MV2_COMM_WORLD_RANK"], 0)


def one_line(text: str) -> str:
    """`text` with its whitespace runs (newlines included) collapsed into single spaces."""
    return " ".join(text.split())


def usage_error(prog: str, message: str) -> NoReturn:
    """Ends a bad command line as argparse does (exit code 2), with one line `<prog>: error: <message>` printed by the
    main process only."""
    if process_rank() == 0:
        print(f"{prog}: error: {one_line(message)}", file=sys.stderr, flush=True)
    sys.exit(USAGE_EXIT_CODE)


def suggest_option(option: str, known: Iterable[str]) -> str | None:
    """The known option closest to the misspelt `option` (`--learnig_rate` -> `--learning_rate`), or `None`."""
    option = option.split("=", 1)[0]
    matches = difflib.get_close_matches(option, [name for name in known if name.startswith("--")], n=1, cutoff=0.75)
    return matches[0] if matches else None


def unrecognized_arguments_message(extras: Sequence[str], known: Iterable[str]) -> str:
    """argparse's "unrecognized arguments: ..." plus a "did you mean" for each unknown option that has a close one."""
    known = list(known)
    hints = {}
    for token in extras:
        if token.startswith("--"):
            suggestion = suggest_option(token, known)
            if suggestion is not None:
                hints[token.split("=", 1)[0]] = suggestion
    message = f"unrecognized arguments: {' '.join(extras)}"
    if len(hints) == 1:
        message += f" (did you mean {next(iter(hints.values()))}?)"
    elif hints:
        message += " (did you mean " + ", ".join(f"{right} for {wrong}" for wrong, right in hints.items()) + "?)"
    return message


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string `parser` accepts (`--learning_rate`, `--learning-rate`, `-v`, ...)."""
    return [option for action in parser._actions for option in action.option_strings]


class _OneLineErrors:
    """Mixed into a parser: errors are one line without the usage block ([`usage_error`]); unknown arguments name the
    closest known option."""

    def error(self, message: str) -> NoReturn:
        usage_error(self.prog, message)

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(unrecognized_arguments_message(extras, option_strings(self)))
        return namespace


class ArgumentParser(_OneLineErrors, argparse.ArgumentParser):
    """`argparse.ArgumentParser` with one-line errors and "did you mean" hints; abbreviations refused by default."""

    def __init__(self, *args, allow_abbrev: bool = False, **kwargs):
        super().__init__(*args, allow_abbrev=allow_abbrev, **kwargs)


class HfArgumentParser(_OneLineErrors, _HfArgumentParser):
    """`transformers.HfArgumentParser` with one-line errors and "did you mean" hints (its unknown arguments are a
    `ValueError` listing them otherwise); abbreviations refused by default."""

    def __init__(self, dataclass_types=None, *, allow_abbrev: bool = False, **kwargs):
        super().__init__(dataclass_types, allow_abbrev=allow_abbrev, **kwargs)

    def parse_args_into_dataclasses(self, args=None, return_remaining_strings: bool = False, **kwargs):
        *outputs, extras = super().parse_args_into_dataclasses(args, return_remaining_strings=True, **kwargs)
        if return_remaining_strings:
            return (*outputs, extras)
        if extras:
            self.error(unrecognized_arguments_message(extras, option_strings(self)))
        return tuple(outputs)


@contextlib.contextmanager
def usage_errors(prog: str | None = None) -> Iterator[None]:
    """Ends the `ValueError`s raised inside (a script's checks of its arguments) as a bad command line
    ([`usage_error`]); `prog` defaults to the script's file name. With `VSUM_DEBUG=1` they propagate."""
    try:
        yield
    except ValueError as error:
        if debug_enabled():
            raise
        usage_error(prog or os.path.basename(sys.argv[0]), str(error))


def error_message(error: BaseException) -> str:
    """`error` as one line: an `OSError` with a path as "<path>: <reason>"."""
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        return one_line(f"{error.filename}: {error.strerror}")
    return one_line(str(error) or type(error).__name__)


def run_script(main: Callable[[Sequence[str] | None], Any], argv: Sequence[str] | None = None, prog: str | None = None):
    """Runs `main(argv)` and returns the process exit code: `main`'s own when it returns an `int`, else 0; for one of
    [`EXPECTED_ERRORS`], [`ERROR_EXIT_CODE`] after one line `<prog>: error: <message>` on stderr (see the module
    docstring for multi-process launches). `prog` defaults to the script's file name. With `VSUM_DEBUG=1` the error
    propagates with its traceback. A bad command line has already ended in `SystemExit(2)` ([`usage_error`]).
    """
    prog = prog or os.path.basename(sys.argv[0])
    try:
        code = main(argv)
    except EXPECTED_ERRORS as error:
        if debug_enabled():
            raise
        rank = process_rank()
        if rank != 0:
            time.sleep(NON_MAIN_ERROR_DELAY_S)  # the main process's line comes first, usually alone
        where = prog if rank == 0 else f"{prog} [rank {rank}]"
        print(f"{where}: error: {error_message(error)}", file=sys.stderr, flush=True)
        return ERROR_EXIT_CODE
    return code if isinstance(code, int) and not isinstance(code, bool) else 0
