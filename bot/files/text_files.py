"""Reading the text files people bring: UTF-8 (with or without the BOM Excel writes) or, from
Excel's 「CSV（コンマ区切り）」 on Japanese Windows, CP932 (Shift_JIS)."""

from __future__ import annotations

import errno
from pathlib import Path

from dialogs.catalog import Catalog

UTF8 = "UTF-8"
CP932 = "CP932"


class NotTextError(ValueError):
    """The bytes are neither UTF-8 nor CP932 (a workbook saved as .csv by mistake, say)."""


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read as. UTF-8 is tried first: a CP932
    file of Japanese text is almost never valid UTF-8, while the reverse is often true."""
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), CP932
    except UnicodeDecodeError:
        raise NotTextError from None


def read_text(path: Path) -> tuple[str, str]:
    """The file's text and its encoding; OSError and NotTextError are the caller's to word."""
    return decode(path.read_bytes())


# The operating system's reasons people meet with files, worded in their language: strerror is
# always English, which a Japanese line around it makes look like a crash.
_WORDED_ERRNOS = ("ENOENT", "EACCES", "EPERM", "EISDIR", "ENOTDIR", "ENOSPC", "EROFS", "EEXIST")


def os_error_text(error: OSError, msg: Catalog) -> str:
    """Why a file could not be read or written, from the catalogue when the reason is common."""
    name = errno.errorcode.get(error.errno or 0, "")
    if name in _WORDED_ERRNOS:
        return msg.t(f"cli.os_error.{name}")
    return error.strerror or str(error) or type(error).__name__
