"""Read minembed's docstrings as their authors wrote them: plain text laid out for the source.

The docstrings are written to be read in the editor, not as reStructuredText: an aligned
table of parameters or a formula sits indented under the sentence that introduces it, a list
may follow its sentence without a blank line, and ``|x|`` is a norm, not a substitution. Sphinx
parses docstrings as reStructuredText, so left alone those blocks become block quotes and
definition lists with their alignment lost, and ``|x|`` an undefined substitution.

:func:`plain_to_rst` is the autodoc hook that closes that gap without touching the library:

    an indented block under a sentence       -> a literal block, as laid out (``::`` added)
    an aligned table (``name   what it is``)  -> a literal block too, its wrapped cells with it
    an indented block of list items          -> a list (a blank line added before it)
    an indented doctest (``>>>``)             -> a doctest block of its own, unindented
    a list item, a doctest right after text  -> a blank line added before it
    ``|`` in prose, outside backticks          -> ``\\|``, a literal bar (and ``p_.`` -> ``p\\_.``)

    >>> plain_to_rst(["Settings:", "    window   5", "    negative 5", "Then |v|."])
    ['Settings:', '', '::', '', '    window   5', '    negative 5', '', 'Then \\\\|v\\\\|.']
"""

from __future__ import annotations

import re

LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+\.)\s+")  # "- x", "* x", "1. x"; group 0 ends where the text starts
INLINE_LITERAL = re.compile(r"(``.+?``|`[^`]+`)")  # ``code`` and `role text` spans keep their bars
COLUMN_GAP = re.compile(r"\S {2,}\S")  # "min_count  words seen ...": two spaces or more between columns
LABEL = re.compile(r"^[A-Za-z_][\w.]*:\s+\S")  # "queries: (Q, D) ...": a table row named by its label
TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?!\w)")  # "p_" before a non-word character: a reference in rST


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _escape_markup(line: str) -> str:
    """Outside ``double backtick`` spans: a backslash stays a backslash (``\\t`` is not an escaped t);
    in prose, `|` becomes `\\|` (a bar, never a substitution reference) and a word's trailing `_`
    becomes `\\_` (`p_.|i` is a probability, not a link to a target "p")."""
    parts = INLINE_LITERAL.split(line)  # odd positions are the spans
    escaped = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            part = TRAILING_UNDERSCORE.sub(r"\\_", part.replace("\\", "\\\\").replace("|", "\\|"))
        elif not part.startswith("``"):
            part = part.replace("\\", "\\\\")  # the default role unescapes its text
        escaped.append(part)
    return "".join(escaped)


def _is_list(run: list[str]) -> bool:
    """Every line of the run is a list item or a continuation at its item's text column."""
    text_column = None
    for line in run:
        if not line.strip():
            continue
        item = LIST_ITEM.match(line)
        if item:
            text_column = item.end()
        elif text_column is None or _indent(line) != text_column:
            return False
    return True


def _continues_item(item_line: str | None, run: list[str]) -> bool:
    """The run is the wrapped text of the list item `item_line`: every line starts at its text column."""
    item = LIST_ITEM.match(item_line or "")
    return bool(item) and all(_indent(line) == item.end() for line in run if line.strip())


def _doctests_apart(run: list[str]) -> list[tuple[bool, list[str]]]:
    """Split an indented run at blank lines into (is_doctest, lines) blocks: each paragraph that starts
    with `>>>` on its own, the paragraphs between them together (one literal block)."""
    blocks: list[tuple[bool, list[str]]] = []
    paragraph: list[str] = []
    for line in [*run, ""]:
        if line.strip():
            paragraph.append(line)
            continue
        if paragraph:
            is_doctest = paragraph[0].lstrip().startswith(">>>")
            if blocks and not is_doctest and not blocks[-1][0]:
                blocks[-1][1].extend(["", *paragraph])
            else:
                blocks.append((is_doctest, paragraph))
            paragraph = []
    return blocks


def _runs(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """Split into (indented, lines) runs: unindented lines, and the indented blocks between them
    (a blank line belongs to an indented block when an indented line follows it)."""
    runs: list[tuple[bool, list[str]]] = []
    for index, line in enumerate(lines):
        if line.strip():
            indented = _indent(line) > 0
        else:  # a blank line goes with the next non-blank line's kind, if the current run is indented
            following = next((later for later in lines[index + 1:] if later.strip()), "")
            indented = bool(runs) and runs[-1][0] and _indent(following) > 0
        if runs and runs[-1][0] == indented:
            runs[-1][1].append(line)
        else:
            runs.append((indented, [line]))
    return runs


def _table_start(paragraph: list[str]) -> int | None:
    """Where an aligned table starts in a paragraph, or None. Its rows run to the paragraph's end,
    each with a column gap (two spaces or more inside it), a `name:` label, or indented (a wrapped
    cell), and at least one row has a gap or is indented."""
    if any(line.lstrip().startswith((">>>", "...")) for line in paragraph):
        return None

    def is_row(line: str) -> bool:
        return _indent(line) > 0 or bool(COLUMN_GAP.search(line) or LABEL.match(line))

    for start in range(len(paragraph) - 1):  # two rows at least
        rows = paragraph[start:]
        first = rows[0]
        if _indent(first) == 0 and not LIST_ITEM.match(first) and (COLUMN_GAP.search(first) or LABEL.match(first)) \
                and all(map(is_row, rows)) and any(_indent(row) > 0 or COLUMN_GAP.search(row) for row in rows):
            return start
    return None


def _tables_as_literal_blocks(lines: list[str]) -> list[str]:
    """Each unindented aligned table (`name    what it is` rows, wrapped cells indented) becomes a
    literal block, so its columns stay aligned instead of flowing into one paragraph."""
    out: list[str] = []
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and lines[end].strip():
            end += 1
        paragraph = lines[start:end] or [lines[start]]
        table = _table_start(paragraph) if lines[start].strip() else None
        if table is None:
            out.extend(paragraph)
        else:
            out.extend(paragraph[:table])
            if out and out[-1].strip():
                out.append("")
            out.extend(["::", "", *("    " + row for row in paragraph[table:])])
        start += len(paragraph)
    return out


def _first_paragraph(run: list[str]) -> tuple[list[str], list[str]]:
    """(the lines before the run's first blank line, the lines after it)."""
    blank = next((index for index, line in enumerate(run) if not line.strip()), len(run))
    return run[:blank], run[blank + 1:]


def plain_to_rst(lines: list[str]) -> list[str]:
    """The docstring's lines (autodoc has removed the common indentation) as reStructuredText."""
    out: list[str] = []
    previous_base = ""  # the last unindented non-blank line
    in_list = False  # the last unindented lines are a list's items (and their wrapped text)
    in_doctest = False  # the last unindented lines are a doctest (>>> and its output), up to a blank line
    for indented, run in _runs(_tables_as_literal_blocks(lines)):
        if not indented:
            for line in run:
                if not line.strip():
                    in_list = in_doctest = False
                elif line.startswith(">>>") and not in_doctest:
                    if out and out[-1].strip():
                        out.append("")  # a doctest after its sentence is a block of its own
                    in_doctest = True
                elif not in_doctest and out and out[-1].strip() and bool(LIST_ITEM.match(line)) != in_list:
                    out.append("")  # a list needs a blank line after its sentence, and before the next one
                if line.strip() and not in_doctest:
                    in_list = bool(LIST_ITEM.match(line))
                out.append(line if in_doctest else _escape_markup(line))
                if line.strip():
                    previous_base = line
            continue
        first, rest = _first_paragraph(run)
        already_literal = previous_base.rstrip().endswith("::")
        if in_doctest or (in_list and _continues_item(previous_base, first)):
            # the doctest's output wrapped deeper (an array's rows), or a list item's wrapped text
            out.extend(first if in_doctest else [_escape_markup(line) for line in first])
            run, already_literal = rest, False
            if not run:
                continue
        in_list = in_doctest = False
        if out and out[-1].strip():
            out.append("")
        if _is_list(run):
            out.extend(_escape_markup(line) for line in run)
        else:
            for number, (is_doctest, block) in enumerate(_doctests_apart(run)):
                if is_doctest:  # unindented, so that it cannot continue a literal block above it
                    margin = min(_indent(line) for line in block)
                    out.extend(line[margin:] for line in block)
                elif number == 0 and already_literal:
                    out.extend(block)
                else:
                    out.extend(["::", "", *block])
                out.append("")
        if out[-1].strip():
            out.append("")  # the block ends before the next unindented line
    return out


def autodoc_hook(app, what, name, obj, options, lines: list[str]) -> None:
    """autodoc-process-docstring: rewrite `lines` in place."""
    lines[:] = plain_to_rst(lines)
