"""Errors that reach a user as one clear message instead of a traceback."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user: a file, a column, an option.

    The message names what is wrong and how to fix it; the CLI prints it and exits with code 2.
    """


def describe_location(path, row: int | None = None, column: str | None = None) -> str:
    """``'file.csv, line 8 (data row 7), column "ck_u_l"'``: where a problem is, for a message.

    ``row`` is the 0-based position of the data row; the line number counts the header.
    """
    parts = [str(path)]
    if row is not None:
        parts.append(f"line {row + 2} (data row {row + 1})")
    if column is not None:
        parts.append(f'column "{column}"')
    return ", ".join(parts)


class DataWarning(UserWarning):
    """Something in a user's file was accepted but changed or guessed (ids stripped of
    spaces, a file type detected from its bytes); the CLI prints it on stderr."""
