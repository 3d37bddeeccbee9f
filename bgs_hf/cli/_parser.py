"""The parser class of every ``bgs-hf`` command: "did you mean" for a mistyped command, choice or flag (argparse
before 3.14 only lists the choices), the ``_`` spelling of every ``--dashed-flag`` (``bgs-hf train`` takes both,
and the README shows ``--val_fraction``), abbreviations that are not "ambiguous" between two spellings of one
flag, and help text whose examples keep their lines."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from gettext import gettext
from typing import Any, NoReturn

from bgs_hf._format import closest
from bgs_hf.errors import BGSInputError, BGSSettingError

#: The exit statuses of every command (``bgs-hf --help`` and ``bgs-hf train --help`` print this).
EXIT_STATUS = """exit status:
  0    success
  1    a check failed (`data validate` or `data import` found problems) or training diverged (NaN/inf loss)
  2    bad input or usage: one `error:` line naming the flag, file or row; or the environment's error, one
       `error:` line naming it (a full disk, an unwritable folder: `error: PermissionError: ...`)
  130  interrupted (Ctrl-C), after cleaning up
  141  stdout's reader closed the pipe (`| head -1`): ended quietly, as `cat` does
  143  terminated (SIGTERM), after cleaning up"""


def examples(*commands: str) -> str:
    """An ``epilog`` listing example command lines, printed as written."""
    return "examples:\n" + "\n".join(f"  {command}" for command in commands)


class HelpFormatter(argparse.HelpFormatter):
    """Text with line breaks (module docstrings, examples, exit codes) is printed as written; a one-paragraph
    description is wrapped to the terminal as usual."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text.strip():
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class DefaultsHelpFormatter(HelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """:class:`HelpFormatter` that appends ``(default: ...)`` to each flag (HfArgumentParser's style), where that is
    what a user gets: ``bgs-hf train -h`` said ``--data ... (default: None)`` of a flag it cannot run without, and
    ``--cache_dir ... (default: <output_dir>/clip_cache; 'none' disables) (default: None)``. A required flag reads
    ``(required)``; a flag left unset (None: its help says what happens then) and one whose help names its own
    default get no second word."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.required:
            return f"{text} (required)"
        if action.default is None or "(default: " in text:
            return text
        return super()._get_help_string(action)


#: flags other training scripts name otherwise, by what they mean here: spelt nearest, ``--lr`` read as ``--lora-r``
#: (the LoRA rank) and ``--batch_size`` as ``--auto_find_batch_size``, while a BGS step's batch is its clip set; a
#: command without the flag meant gets no hint for them
OTHER_TRAINERS_NAMES = {"--lr": "--learning-rate", "--batch-size": "--clips-per-step"}
#: device flags of other tools that `train` has none of (the Trainer picks the device): nearest in spelling,
#: `--device` was told "did you mean --recipe?" and `--cuda` "--data?"
DEVICE_FLAGS = ("--device", "--devices", "--gpu", "--gpus", "--cuda", "--no-cuda")


def unrecognized_message(parser: argparse.ArgumentParser, extras: list[str], missing: Iterable[str] = ()) -> str:
    """``unrecognized arguments: --sed 1 (did you mean --seed?)`` for ``parser``'s flags; a ``missing`` required
    flag that a typed one shortens, extends or nearly spells comes first (``--data_dir`` meant ``--data``, not the
    closer-spelt ``--data_seed``). A word after ``--`` is a value, never a mistyped flag (``--sed 1 -- --seed`` had
    ``--seed`` suggested for itself)."""
    known = parser._option_string_actions
    dashed = {s.replace("_", "-") for s in known if s.startswith("--")}
    positionals = {a.dest for a in parser._actions if not a.option_strings}
    hints = []
    for token in extras[:extras.index("--")] if "--" in extras else extras:
        if not token.startswith("-"):
            continue
        name = token.split("=", 1)[0]
        name_dashed = name.replace("_", "-")
        if name_dashed in ("--out", "--output", "--output-dir", "-o") and "out" in positionals:
            hints.append(f"the output folder is the positional OUT: {parser.prog} ... OUT")
        elif name_dashed in ("--out", "--output") and "--output-dir" in dashed:
            hints.append(f"did you mean {'--output_dir' if '_' in name else '--output-dir'}?")
        elif name_dashed in DEVICE_FLAGS and "--use-cpu" in dashed:
            hints.append(f"{parser.prog} takes no device: the Trainer trains on the GPU where torch sees one, "
                         "CUDA_VISIBLE_DEVICES or `accelerate launch` picking which, else on the CPU; "
                         f"{_spelled_as_typed('--use-cpu', name, known)} true trains on the CPU")
        elif name_dashed in OTHER_TRAINERS_NAMES:  # a command that sets no such thing: no flag of it is meant
            if OTHER_TRAINERS_NAMES[name_dashed] in dashed:  # (nearest in spelling, --lr was --help, --batch-size --cache)
                hints.append(f"did you mean {_spelled_as_typed(OTHER_TRAINERS_NAMES[name_dashed], name, known)}?")
        elif (match := _missing_meant(name_dashed, missing) or closest(name_dashed, dashed)) is not None:
            hints.append(f"did you mean {_spelled_as_typed(match, name, known)}?")
    return f"unrecognized arguments: {' '.join(extras)}" + (f" ({'; '.join(hints)})" if hints else "")


def _spelled_as_typed(match: str, typed: str, known: Iterable[str]) -> str:
    """The suggested flag ``match`` (dashed) in the spelling of the ``typed`` one (``--n_bot``: ``--n_boot``), where
    that spelling exists."""
    underscored = "--" + match[2:].replace("-", "_")
    return underscored if ("_" in typed and underscored in known) or match not in known else match


def _missing_meant(name: str, missing: Iterable[str]) -> str | None:
    """The missing required flag (``--`` and dashes) that the mistyped ``name`` stands for, or None."""
    flags = [flag.replace("_", "-") for names in missing for flag in names.split("/") if flag.startswith("--")]
    if len(name) <= 2 or not name.startswith("--"):
        return None
    meant = [flag for flag in flags if flag.startswith(name) or name.startswith(flag + "-")]
    return meant[0] if meant else closest(name, flags)


def _misplaced_flag(parser: argparse.ArgumentParser, commands: argparse.Action, flag: str) -> str:
    """Why a word after ``flag``, which ``parser`` does not take, was read as one of its ``commands``: the flags of a
    command follow it, and the one ``flag`` likely stands for."""
    metavar = commands.metavar or commands.dest.upper()
    known = {s for sub in commands.choices.values() for s in sub._option_string_actions}  # type: ignore[union-attr]
    name = flag.replace("_", "-")
    match = closest(name, {s.replace("_", "-") for s in known if s.startswith("--")})
    text = f"{flag} before it is no flag of {parser.prog} (each {metavar}'s flags come after it"
    if match is None or match == name:
        return text + ")"
    return text + f": did you mean {_spelled_as_typed(match, flag, known)}?)"


def as_typed(message: str, argv: Iterable[str]) -> str:
    """``message`` with each ``--flag`` in the spelling the user typed: every flag takes ``-`` or ``_``
    (``--val_fraction``, ``--val-fraction``), and an error naming the other spelling reads as another flag."""
    typed = {token.split("=", 1)[0] for token in argv if token.startswith("--")}

    def spelled(match: re.Match[str]) -> str:
        flag = match.group(0)
        if flag in typed:
            return flag
        for other in ("--" + flag[2:].replace("-", "_"), "--" + flag[2:].replace("_", "-")):
            if other in typed:
                return other
        return flag

    return re.sub(r"(?<![\w-])--[A-Za-z0-9][\w-]*", spelled, message)


def flags_as_typed(err: BGSInputError, argv: Iterable[str], sep: str = "-") -> BGSInputError:
    """``err`` as a command reports it, the one place a library refusal becomes the command's words: a setting
    the library named as in Python (:class:`~bgs_hf.errors.BGSSettingError`: ``val_split 'paper'``) named as a
    flag with words joined by ``sep`` (``-``; ``_`` for ``bgs-hf train``), then every flag spelled as typed
    (:func:`as_typed`). Any other error keeps its type and path."""
    if isinstance(err, BGSSettingError):
        err = err.as_flags(sep)
    err.args = (as_typed(str(err), argv),)
    return err


#: The start of argparse's refusal of a command line that lacks a required flag or positional (in its language).
_MISSING_REQUIRED = gettext("the following arguments are required: %s").split("%s")[0]


class _Refused(Exception):
    """argparse refused a command line that :meth:`Suggestions._unknown_arguments` parses again."""


class Suggestions:
    """Mixin for an ``argparse.ArgumentParser`` (``bgs-hf``'s, and ``bgs-hf train``'s HfArgumentParser): a
    mistyped choice gets "did you mean", an abbreviation of a flag spelled two ways is not "ambiguous", and a
    mistyped flag is named, with its suggestion, where argparse only said a required one is missing
    (``bgs-hf train --dat x``: "the following arguments are required: --data") or that its value is no command
    (``bgs-hf baseline --dta x``: "argument KIND: invalid choice: 'x'")."""

    #: the arguments being parsed, for :meth:`error`; set while a parse runs
    _arguments: list[str] | None = None
    _reparsing: bool = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        # listed once, and the list parsed: an iterator of words (argparse takes any) was read empty after the copy
        self._arguments = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(None if args is None else self._arguments, namespace)  # type: ignore[misc]

    def error(self, message: str) -> NoReturn:
        if self._reparsing:
            raise _Refused(message)
        if message.startswith(_MISSING_REQUIRED) and self._arguments is not None:
            extras = self._unknown_arguments(self._arguments)
            # what follows `--` is a value, not a flag: `--model m -- --data x` lacks --data, it mistypes nothing
            args = self._arguments
            before = set(args[:args.index("--")] if "--" in args else args)
            flags = [token for token in extras if token.startswith("-") and token in before]
            if flags:  # a mistyped flag: the missing one, likely
                missing = message[len(_MISSING_REQUIRED):].split(", ")
                meant = {_missing_meant(token.split("=", 1)[0].replace("_", "-"), missing) for token in flags}
                # a required one that no typo stands for is still said (`--max-step 3` without --data; `evaluate
                # --dta x`, which lacks --model too)
                unsaid = [names for names in missing
                          if not any(flag.replace("_", "-") in meant for flag in names.split("/"))]
                unknown = unrecognized_message(self, extras, missing)  # type: ignore[arg-type]
                message = f"{unknown}; {_MISSING_REQUIRED}{', '.join(unsaid)}" if unsaid else unknown
        super().error(message)  # type: ignore[misc]

    def _unknown_arguments(self, args: list[str]) -> list[str]:
        """What no argument of this parser reads in ``args``, parsed again with every argument optional (argparse
        checks the required ones before it returns the rest): nothing where that parse is refused too."""
        required = [action for action in self._actions if action.required]  # type: ignore[attr-defined]
        for action in required:
            action.required = False
        self._reparsing = True
        try:
            return list(super().parse_known_args(args, None)[1])  # type: ignore[misc]
        except (_Refused, SystemExit):
            return []
        finally:
            self._reparsing = False
            for action in required:
                action.required = True

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        try:
            if action.choices is not None and value not in action.choices:
                names = [str(c) for c in action.choices]
                match = closest(str(value), names)
                if match is not None:
                    raise argparse.ArgumentError(action, f"invalid choice: {value!r} (did you mean {match!r}? choose "
                                                         f"from {', '.join(names)})")
            super()._check_value(action, value)  # type: ignore[misc]
        except argparse.ArgumentError as err:
            before = self._unknown_flag_before(value) if isinstance(action, argparse._SubParsersAction) else None
            if before is None:
                raise
            raise argparse.ArgumentError(action, f"{err.message}; {_misplaced_flag(self, action, before)}") from None

    def _unknown_flag_before(self, value: Any) -> str | None:
        """The flag this parser does not know that was typed just before ``value``'s first place among the words
        (not after ``--``), whose value argparse then read as a command (``bgs-hf baseline --dta x``: ``x`` as KIND),
        or None."""
        args = self._arguments or []
        words = args[:args.index("--")] if "--" in args else args
        if value not in words or words.index(value) == 0:
            return None
        flag = words[words.index(value) - 1]
        if flag == "-" or not flag.startswith("-") or "=" in flag:  # a word (`-`: stdin's), or a flag with its value
            return None
        own = flag in self._option_string_actions or self._get_option_tuples(flag)  # type: ignore[attr-defined]
        return None if own else flag  # not a flag of this parser, nor an abbreviation of one

    def _get_option_tuples(self, option_string: str) -> list[Any]:
        # an abbreviation matching both spellings of one flag (--val-f -> --val-fraction, --val_fraction) is not
        # ambiguous (Python 3.11 said so, and stopped)
        seen: set[int] = set()
        unique = []
        for option in super()._get_option_tuples(option_string):  # type: ignore[misc]
            if id(option[0]) not in seen:
                seen.add(id(option[0]))
                unique.append(option)
        return unique


class CLIParser(Suggestions, argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with suggestions, ``_`` flag spellings and example-friendly help."""

    #: the command line being parsed (set on every sub-command parser by ``parse_command_line``)
    typed: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("formatter_class") in (None, argparse.HelpFormatter, argparse.RawDescriptionHelpFormatter):
            kwargs["formatter_class"] = HelpFormatter
        super().__init__(*args, **kwargs)

    def finish(self) -> None:
        """Once every command is registered: a command without a description gets its one-line listing as one
        (``bgs-hf data stats -h`` had no description), and every ``--dashed-flag`` its ``--underscore_spelling``
        (accepted, not shown in the help), here and in every sub-command."""
        for parser in walk(self):
            for sub in parser._actions:
                if isinstance(sub, argparse._SubParsersAction):
                    for listed in sub._choices_actions:
                        command = sub.choices.get(listed.dest)
                        if command is not None and not command.description and listed.help:
                            command.description = listed.help[0].upper() + listed.help[1:] + "."
            for action in list(parser._actions):
                for option in list(action.option_strings):
                    alias = "--" + option[2:].replace("-", "_")
                    if option.startswith("--") and alias not in parser._option_string_actions:
                        parser._option_string_actions[alias] = action

    def selected(self, namespace: argparse.Namespace) -> argparse.ArgumentParser:
        """The innermost (sub-)command parser that parsed ``namespace``."""
        parser: argparse.ArgumentParser = self
        while True:
            sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
            name = getattr(namespace, sub.dest, None) if sub is not None else None
            if sub is None or name not in sub.choices:
                return parser
            parser = sub.choices[name]

    def error(self, message: str) -> NoReturn:
        """argparse's one-line error, naming a flag as it was typed (``argument --val_fraction: ...``; argparse
        names the first spelling, ``--val-fraction``, whichever one was given)."""
        super().error(as_typed(message, self.typed))

    def parse_command_line(self, argv: list[str] | None) -> argparse.Namespace:
        """``parse_args``, but an unknown flag is reported by the command it was given to, with a suggestion
        (argparse reported it with the top-level usage), and a flag is named as it was typed."""
        typed = tuple(sys.argv[1:] if argv is None else argv)
        for parser in walk(self):
            if isinstance(parser, CLIParser):
                parser.typed = typed
        namespace, extras = self.parse_known_args(argv)
        namespace.typed_argv = typed  # for a command that names flags in lines it prints (`data validate`)
        if extras:
            parser = self.selected(namespace)
            parser.error(unrecognized_message(parser, extras))
        return namespace


def take_verbose(argv: list[str]) -> tuple[bool, list[str]]:
    """Whether ``argv`` holds ``-v``/``--verbose`` among its flags (before ``--``), and ``argv`` without it: for
    ``bgs-hf train``, whose flags go to HfArgumentParser, which said "unrecognized arguments: -v". No flag's value
    can be ``-v`` (argparse reads it as a flag: "expected one argument")."""
    end = argv.index("--") if "--" in argv else len(argv)
    rest = [token for token in argv[:end] if token not in ("-v", "--verbose")]
    return len(rest) < end, rest + argv[end:]


def walk(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every sub-command parser below it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                yield from walk(sub)
