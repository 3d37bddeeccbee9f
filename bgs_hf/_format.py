"""Text rules shared across packages: printing a statistic that may be undefined (no ceiling on a few judgments, a
collapsed model), a markdown table cell and literal markdown text, counts, a long list's first few (a list of rows
too), the "did you mean" guess, a path quoted as typed, and the form of a Hub licence id."""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any


def _undefined(value: Any) -> bool:
    """``None`` or NaN of any float type: numpy's float32 (embeddings' dtype) is no ``float``, and its NaN printed as
    ``nan`` where a float's read ``n/a`` (an integer is never NaN, and one past a float's range cannot be asked)."""
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
                             and math.isnan(value))


def _number(value: Any) -> bool:
    """A real number that is not a bool (JSON's ``true`` is no statistic)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def md_cell(value: Any) -> str:
    """A value for a markdown table cell (model cards, reports): a ``|`` ends the cell even inside backticks (a ViT's
    LoRA target regex ``(query|key|value)`` broke its row; GFM shows ``\\|`` as ``|``), and a line break ends the
    row (a name holding one left the rest of its row outside the table): it reads as a space."""
    return re.sub(r"\r\n?|\n", " ", str(value)).replace("|", "\\|")


def quoted(value: Any) -> str:
    """A path or name (a table's cell, a folder) quoted as the user typed it, ``'C:\\data\\x.mp4'``: ``repr`` wrote
    ``'C:\\\\data\\\\x.mp4'``, a path of doubled backslashes no Windows user typed. In double quotes where it holds a
    single quote (as ``repr``); ``repr`` itself where it holds both, or a character that does not print (a newline,
    a NUL), which it alone shows unambiguously. A value that is no text (a number in a name's cell) as ``repr``."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        return repr(value)
    text = str(value)  # numpy's str_ as the text it holds
    if text.isprintable():
        if "'" not in text:
            return f"'{text}'"
        if '"' not in text:
            return f'"{text}"'
    return repr(text)


#: a markdown code span (`` `--split train` ``, a JSON key): the only markup a report's note means to make. Its
#: backticks stand as a note's own do: the opening one not after a letter or digit and before text, the closing one
#: after text (not a space or an opening bracket) and not before a letter or digit. A clip name's lone backtick
#: (``a`b.mp4``, ``my `clip.mp4``) named before a note's code span was paired with that span's opening backtick,
#: which ran the span over the rest of the name and showed the note's own span as plain text
MD_CODE_SPAN = re.compile(r"(?<![\w`])`([^`\s](?:[^`]*[^`\s(\[{])?)`(?![\w`])")

#: a code span fenced by two or more backticks, as :func:`md_code` fences a name holding one: closed by a run of as
#: many (CommonMark), so the name's own backticks, lone or not, are its text and pair with no other's
_MD_FENCED_SPAN = re.compile(r"(?<!`)(`{2,})(?!`)(.+?)(?<!`)\1(?!`)", re.S)

#: either kind of code span, the fenced one first where both could start
_MD_ANY_SPAN = re.compile(f"{_MD_FENCED_SPAN.pattern}|{MD_CODE_SPAN.pattern}", re.S)


def md_code(value: Any) -> str:
    """``value`` as a markdown code span that shows it as written: fenced by one backtick more than its longest run
    of them (CommonMark), padded by a space where it starts or ends with one. Two clip names each holding a lone
    backtick, each fenced by one backtick in one line, paired up: the text between them read as code, and the
    backticks were lost. A name one backtick would not fence as a note's own span (:data:`MD_CODE_SPAN`: ``" x "``,
    ``"f("``) takes two, so that :func:`code_spans` reads it back (it showed between escaped backticks)."""
    text = str(value)
    shortest = 1 if MD_CODE_SPAN.fullmatch(f"`{text}`") else 2
    fence = "`" * max(max((len(run) for run in re.findall("`+", text)), default=0) + 1, shortest)
    pad = " " if text[:1] == "`" or text[-1:] == "`" or (text[:1] == text[-1:] == " " and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_spans(text: str) -> list[str]:
    """``text`` split into plain, code, plain, ... pieces: a note's own spans (:data:`MD_CODE_SPAN`) and the names
    :func:`md_code` fenced, each code piece the text it shows (a fenced one's padding dropped, as CommonMark does)."""
    pieces: list[str] = []
    start = 0
    for found in _MD_ANY_SPAN.finditer(text):
        code = found.group(2) if found.group(1) else found.group(3)
        if found.group(1) and code[:1] == code[-1:] == " " and code.strip():
            code = code[1:-1]
        pieces += [text[start:found.start()], code]
        start = found.end()
    return pieces + [text[start:]]


#: what would start markup: ``*``, a backtick, a ``_`` not inside a word (``ss_0001`` is no emphasis) and a backslash
#: that would escape the next character
_MD_ACTIVE = re.compile(r"[*`]|(?<![^\W_])_|_(?![^\W_])|\\(?=[!-/:-@\[-`{-~])")


def md_literal(value: Any) -> str:
    """``value`` as markdown that shows it as written: a clip named ``*take 2*`` or ``_a_`` in a note turned to
    italics (or ended the note's own), and a backtick in one opened a code span; the HTML report showed them."""
    return _MD_ACTIVE.sub(lambda m: "\\" + m.group(), str(value))


def md_text(text: str) -> str:
    """A report note's markdown: its code spans kept, the rest :func:`md_literal` (a name quoted in it shown as
    written), as the HTML report reads it."""
    return "".join(md_code(x) if i % 2 else md_literal(x) for i, x in enumerate(code_spans(text)))


def fmt(value: Any, spec: str, missing: str = "n/a") -> str:
    """``format(value, spec)``, or ``missing`` when the value is undefined (``None`` or NaN: the JSON files
    store NaN as null, the in-memory results keep NaN, and both must read the same)."""
    if _undefined(value):
        return missing
    return _unsigned_zero(format(value, spec), spec)


def fmt_why(value: Any, spec: str, why: str | None = None) -> str:
    """:func:`fmt`, with why an undefined value is undefined beside its n/a (``n/a: it rests on 2.0 pairs ...``): one
    wording for every printed noise ceiling (`bgs-hf evaluate`, `bgs-hf baseline`), which read a bare n/a."""
    text = fmt(value, spec)
    return f"{text}: {why}" if why and _undefined(value) else text


def fmt_pct(value: Any, spec: str = ".1f") -> str:
    """A percentage with its ``%``, or ``n/a`` alone when undefined (``n/a%`` read as a broken number)."""
    text = fmt(value, spec)
    return text if text == "n/a" else f"{text}%"


def fmt_chance(level: float) -> str:
    """``(chance 33.3%)`` beside an accuracy on the console (and over the card's accuracy columns): ``3-way 42.5%``
    alone did not say it is 9 points above chance, not 42 (``.3g``: 50%, as the report writes it, not 50.0%)."""
    return f"(chance {fmt_chance_pct(level)})"


def fmt_chance_pct(level: float, spec: str = ".3g") -> str:
    """A chance level (``bgs_hf.metrics.ooo.CHANCE_3WAY``) as a percentage, ``33.3%``, ``50%``: every report, card
    and console line formats the one constant, so none can name a level the metric no longer has; a narrow table
    header passes ``.0f`` (``33%``)."""
    return fmt_pct(100 * level, spec)


def fmt_fraction(level: float) -> str:
    """A chance level as the fraction it is, ``1/3``, ``1/2``, for the texts that name it so (the card's metric
    names, quickstart's README)."""
    return str(Fraction(level).limit_denominator(1000))


def _unsigned_zero(text: str, spec: str = "") -> str:
    """``-0.000`` -> ``0.000``: a value that rounds to zero has no sign a reader can act on (``-inf`` keeps its). A
    spec that signs every number (``+``, or `` ``) writes it as ``+0.000`` whichever side of zero it lay: a gain of
    -0.0004 read ``0.000`` beside ``+0.000`` for +0.0004."""
    digits = text.split("e")[0].split("E")[0]
    zero = any(c.isdigit() for c in digits) and not any(c in "123456789" for c in digits)
    if not (text.startswith("-") and zero):
        return text
    aligned = re.match(r"(?:.?[<>=^])?", spec)  # the format mini-language's [[fill]align], then [sign]
    sign = spec[aligned.end() if aligned else 0:][:1]
    return (sign if sign in ("+", " ") else "") + text[1:]


def numbered_key(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``name`` case-folded as its text between numbers and its numbers' values (zero-padding dropped; compared as
    digit strings, so a 5,000-digit run is no int() error): 'Clip_01.MP4' and 'clip_1.mp4' have one key, the same
    clip of a numbered stimulus set. Any script's digits are read by value, as int() read them ('clip_١.mp4', typed
    with an Arabic keyboard, is clip_01.mp4: it was guessed clip_12.mp4, another clip)."""
    parts = re.split(r"(\d+)", name.casefold())
    values = ("".join(str(unicodedata.decimal(d)) for d in n).lstrip("0") or "0" for n in parts[1::2])
    return tuple(parts[::2]), tuple(values)


def closest(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate a typo most likely meant, or None: one rule for flags, choices, registry names and file names
    (here, so library modules need not import the CLI for it). A candidate equal to ``word`` but for case and
    zero-padding (:func:`numbered_key`) is meant before any other: difflib rates 'clip_12.mp4' as close to
    'clip_1.mp4' as 'clip_01.mp4' is, and broke the tie by order."""
    pool = list(candidates)
    key = numbered_key(word)
    same = [c for c in pool if numbered_key(c) == key]
    found = difflib.get_close_matches(word, same, n=1, cutoff=0) if same else []
    found = found or difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: object, candidates: Iterable[str]) -> str:
    """`` (did you mean 'paper-v1'?)`` for a refused value, or ``""`` when nothing is close: the one wording of the
    hint, for a refusal that lists the valid values after it."""
    near = closest(str(word), candidates)
    return f" (did you mean {quoted(near)}?)" if near else ""


def count(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` and ``noun`` in its number, digits grouped: ``1 clip``, ``2 clips``, ``24,096 judgments`` (``nouns``:
    an irregular plural). ``data stats`` printed "1 judgments" and "1 clips" for a count of one."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


def agree(n: int, singular: str, plural: str) -> str:
    """The word that agrees with a count ``n`` (a verb: ``agree(1, "has", "have")``), beside :func:`count`'s noun:
    "1 of 4 clips have" and "1 weight(s) were" read wrong."""
    return singular if n == 1 else plural


def first_few(items: Sequence[str], shown: int = 5) -> str:
    """The first ``shown`` of ``items`` joined, then a count of the rest (``'a', 'b', and 3 more``): one spelling
    for a list that may be long, in a log line and on a card alike."""
    more = f", and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def row_list(rows: Iterable[object], shown: int = 10) -> str:
    """``row 11`` or ``rows 11, 12`` (the first ``shown``, then :func:`first_few`'s count of the rest): the one
    spelling of the rows a line names; an import skipping one incomplete row said "(rows 43)"."""
    named = [str(r) for r in rows]
    return f"{agree(len(named), 'row', 'rows')} {first_few(named, shown)}"


def _p_floor(n_resamples: Any, sides: int) -> float | None:
    """The least p ``n_resamples`` draws can give, ``sides / (n + 1)``; None for a count that is no whole number of
    draws (0, -1 or ``true`` in an edited ``evaluation.json``: -1 was a ZeroDivisionError that stopped the report)."""
    if _number(n_resamples) and n_resamples >= 1 and float(n_resamples).is_integer():
        return sides / (int(n_resamples) + 1)
    return None


def p_at_floor(p: Any, n_resamples: Any = None, *, sides: int = 1) -> bool:
    """Whether a resampling p sits at its floor (no draw reached the observed value), so that it is only an upper
    bound: :func:`fmt_p` prints it ``< floor``, and a Holm p that rests on it is a bound too
    (:func:`bgs_hf.metrics.bootstrap.holm_bounds`). No count of draws (None, 0, -1): no floor."""
    floor = _p_floor(n_resamples, sides)
    return floor is not None and not _undefined(p) and float(p) <= floor * (1 + 1e-9)


def _upper_3dp(x: float) -> str:
    """An upper bound ``x`` to three decimals, rounded up (a bound rounded down would claim too much), and never
    below 0.001."""
    return f"{max(math.ceil(x * 1000 - 1e-9) / 1000, 0.001):.3f}"


def fmt_p(p: Any, n_resamples: int | None = None, *, sides: int = 1, bound: bool = False) -> str:
    """A p-value as a statistician reads it: three decimals, ``< 0.001`` below that, ``n/a`` when undefined.

    A resampling p counts the observed statistic among ``n_resamples`` draws, so it is never below
    ``sides / (n + 1)`` (one-sided permutation: 1/(n+1); two-sided bootstrap: 2/(n+1)). At that floor no draw
    reached the observed value and the p is only bounded: ``< floor`` (rounded up to three decimals), never an exact
    "0.000999" (:func:`p_at_floor`; a count that is no whole number of draws gives no floor). ``bound``:
    ``p`` is itself only an upper bound (a Holm p that rests on a p at its floor), printed ``< p`` rounded up."""
    if _undefined(p):
        return "n/a"
    p = float(p)
    if bound:
        return f"< {_upper_3dp(p)}"
    floor = _p_floor(n_resamples, sides)
    if floor is not None and p_at_floor(p, n_resamples, sides=sides):
        return f"< {_upper_3dp(floor)}"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def fmt_ci(ci: Any) -> str:
    """`` [lo, hi]`` to three decimals after an estimate, or nothing when either end is undefined (cards and the
    Space show a bare estimate rather than ``[n/a, n/a]``), as for anything but a pair of numbers (an edited
    ``metrics.json``'s ``0.5`` or ``true`` failed in ``len``, its ``"ab"`` in ``format``)."""
    if not isinstance(ci, (list, tuple)) or len(ci) != 2 or not all(_number(x) and not _undefined(x) for x in ci):
        return ""
    return f" [{fmt(ci[0], '.3f')}, {fmt(ci[1], '.3f')}]"


#: The licence ids the Hub accepts in a card's ``license`` (https://huggingface.co/docs/hub/repositories-licenses);
#: it refuses a README with any other value ("license" must be one of [...]). ``other`` + ``license_name`` covers the rest.
HUB_LICENSES: frozenset[str] = frozenset({
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m", "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd", "bsd-2-clause", "bsd-3-clause",
    "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0", "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0",
    "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0", "epl-1.0", "epl-2.0",
    "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl", "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1",
    "lgpl-3.0", "isc", "h-research", "intel-research", "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0",
    "odc-by", "odbl", "openrail++", "osl-3.0", "postgresql", "ofl-1.1", "ncsa", "unlicense", "zlib", "pddl",
    "lgpl-lr", "deepfloyd-if-license", "fair-noncommercial-research-license", "llama2", "llama3", "llama3.1",
    "llama3.2", "llama3.3", "llama4", "gemma", "unknown", "other",
})


def hub_license_id(license: str) -> str:
    """A Hub licence id: lower case (the Hub refuses ``MIT`` and ``Apache-2.0``, accepts ``mit``, ``apache-2.0``) and
    one of :data:`HUB_LICENSES` (it refuses ``apache``, ``cc-by``, ``apache2`` too, but only at upload)."""
    from bgs_hf.errors import BGSInputError

    lid = license.strip().lower()
    if lid not in HUB_LICENSES:
        # versions of the family named (cc-by: cc-by-4.0, not cc-by-sa-4.0), newest first
        family = [x for x in HUB_LICENSES if x.startswith(lid + "-") and "-" not in x[len(lid) + 1:]]
        close = sorted(family, reverse=True)[:3]
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise BGSInputError(f"--license {license!r} is not a Hub licence id ({hint}e.g. apache-2.0, mit, cc-by-4.0; "
                            "a licence the Hub does not list: `other`, named on the card)")
    return lid



def human_coverage(human: dict[str, Any]) -> str:
    """What the humans' leave-one-out accuracy (``bgs_hf.metrics.ceiling.human_loo_accuracy``) rests on: ``over 169
    of 368 choices`` (the others could predict only the choices whose three pairs they saw)."""
    return f"over {human['n_judgments']:,} of {count(human['n_choices'], 'choice')}"


def fmt_human_reference(human: dict[str, Any] | None, key: str, spec: str, *, coverage: bool = True) -> str:
    """``humans leave-one-out 0.561 over 169 of 368 choices`` beside a model's ``key`` accuracy (``coverage=False``:
    the number alone, for a row that says its coverage once below), or "" without ``human``: a result written
    before it existed. Chance alone did not say how far people get on the same choices."""
    if not human:
        return ""
    label = f"humans leave-one-out {fmt(human.get(key), spec)}"
    if not coverage:
        return label
    return f"{label}: {human.get('why')}" if human.get(key) is None else f"{label} {human_coverage(human)}"
