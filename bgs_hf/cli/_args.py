"""argparse value types with ranges: a bad number stops at parse time with argparse's one-line usage error,
instead of failing deep inside the run (or, worse, running with it)."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def int_at_least(low: int) -> Callable[[str], int]:
    """An integer >= ``low`` (a count, a seed), refused by argparse itself otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An integer in [low, high] (e.g. a TCP port), refused by argparse itself otherwise."""
    at_least = int_at_least(low)

    def parse(text: str) -> int:
        value = at_least(text)
        if value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high}, got {value}")
        return value

    parse.__name__ = f"integer in [{low}, {high}]"
    return parse


def float_between(low: float, high: float | None = None, *, open_low: bool = False,
                  open_high: bool = False) -> Callable[[str], float]:
    """A finite number in [low, high] (``open_low``/``open_high``: the bound itself excluded, e.g. a fraction in
    [0, 1)), refused by argparse itself otherwise: ``argument --val-fraction: must be in [0.0, 1.0), got 1.5``.
    No ``high``: the interval is open at inf (``(0.0, inf)``), as inf itself is refused (it was printed ``inf]``)."""
    closing = ")" if open_high or high is None else "]"
    interval = f"{'(' if open_low else '['}{low}, {'inf' if high is None else high}{closing}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        above = value > low if open_low else value >= low
        below = high is None or (value < high if open_high else value <= high)
        if not math.isfinite(value) or not (above and below):
            raise argparse.ArgumentTypeError(f"must be in {interval}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


class TypedPath(type(Path())):  # type: ignore[misc]  # PosixPath or WindowsPath: a bare Path cannot be subclassed
    """A ``Path`` that keeps the text it was typed as: ``Path("out/")`` is ``out``, so a file flag cannot tell
    ``--json out/`` (a folder) from ``--json out`` (a file) once parsed. A path derived from it (``.parent``) keeps
    the class but not the text."""

    typed = ""  # the command line's text; "" where this path was not typed
    example = ""  # a file name to suggest in a folder typed instead of a file


def one_line_text(text: str) -> str:
    """A display name (a card's ``pretty_name``, its ``# heading``): one line, not blank. A line break split the
    card's heading from the rest of the name, and blank text gave the Hub page an empty title."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be blank")
    if any(c in text for c in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
        raise argparse.ArgumentTypeError(f"must be one line, got {text!r}")
    return text.strip()


one_line_text.__name__ = "one line of text"


def output_file(example: str) -> Callable[[str], Path]:
    """The argparse type of a file a command writes (``--json``, ``--png``): the path with its typed spelling, which
    :func:`check_output_file` refuses when it names a folder. ``example``: the file name its error suggests."""

    def parse(text: str) -> Path:
        path = TypedPath(text)
        path.typed, path.example = text, example
        return path

    parse.__name__ = "file name"
    return parse


#: the name ``--json -`` stands for
STDOUT_NAME = "/dev/stdout"
#: what each --json's help adds
JSON_STDOUT_HELP = "; - (or /dev/stdout): the JSON alone on stdout, the printed lines on stderr"


def json_file(example: str) -> Callable[[str], Path]:
    """The argparse type of a command's ``--json``: an :func:`output_file`, where ``-`` is stdout (``/dev/stdout``),
    as for jq and most tools: ``--json - | jq`` wrote a file named ``-`` in the working folder and piped the printed
    lines alone. The CLI prints its own lines on stderr when --json is stdout (``bgs_hf.cli.main``)."""
    parse_file = output_file(example)

    def parse(text: str) -> Path:
        path = parse_file(STDOUT_NAME if text == "-" else text)
        path.typed = text
        return path

    parse.__name__ = "file name"
    return parse


def check_split(data: Any, split: str) -> None:
    """A split name the data has (or ``fit``, train and val together), checked as soon as the data is loaded:
    ``--split tset`` was refused only after the models (or the embeddings) were loaded."""
    from bgs_hf._format import did_you_mean
    from bgs_hf.errors import BGSInputError

    names = sorted(set(data.splits) | {"fit"})
    if split not in names:
        hint = did_you_mean(split, names)
        raise BGSInputError(f"--split {split!r} is not a split of {data.name}{hint}: choose from {', '.join(names)} "
                            "(fit = train and val together)")  # `fit` is ours, not a split the data names


def check_output_file(path: str | Path | None, flag: str) -> None:
    """A file a command writes once its work is done (``--json``, ``--png``): refused now, not after the work,
    when it is a folder, is typed as one (``out/``, an :func:`output_file` value), lies under a file (it was an
    IsADirectoryError / FileExistsError at the end, or a FILE named ``out``) or in a folder that takes no new file
    (a PermissionError naming a hidden temp file, once the work was done)."""
    from bgs_hf._files import takes_new_file, under_a_file
    from bgs_hf.errors import BGSInputError

    if path is None:
        return
    typed, example = getattr(path, "typed", ""), getattr(path, "example", "")
    path = Path(path)
    if path.is_dir():
        raise BGSInputError(f"{flag} is a folder, not a file: give a file name", path=path)
    if typed.endswith(("/", os.sep)) or os.path.basename(typed) in (".", ".."):  # `out/`: Path dropped the `/`
        raise BGSInputError(f"{flag} {typed} names a folder, not a file: give a file name such as "
                            f"{os.path.join(typed, example)}")
    under_a_file(path, flag)
    takes_new_file(path, flag)


def check_output_file_flags(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    """:func:`check_output_file` of each flag ``names`` (``args`` attributes, ``--`` and ``-`` added) for a script
    with a parser of its own (a benchmark, ``python -m bgs_hf.pretrain.capacity``), refused as that parser's usage
    line, exit 2, before any work: their ``type=Path`` wrote ``--json out/`` to a FILE named ``out``, and an existing
    folder was an IsADirectoryError traceback once the work was done."""
    from bgs_hf.errors import BGSInputError

    for name in names:
        try:
            check_output_file(getattr(args, name), "--" + name.replace("_", "-"))
        except BGSInputError as err:
            parser.error(str(err))

