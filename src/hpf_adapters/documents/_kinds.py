"""What an uploaded file is, from its bytes: the ``filetype`` package's magic numbers,
then a parse of the header it claims (a PNG's IHDR chunk, a JPEG's frame header, a PDF's
version line and end marker). The file's name is never looked at."""

from __future__ import annotations

import re
import struct

import attrs
import filetype

from hpf_core.errors import InputError

__all__ = ["ACCEPTED_TYPES", "FileKind", "recognise"]

ACCEPTED_TYPES = ("application/pdf", "image/jpeg", "image/png")
"""The MIME types a document store takes: scans and photos of documents."""

_PDF_HEADER = re.compile(rb"%PDF-(1\.[0-7]|2\.0)\s")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOF0..SOF15 but DHT, JPG, DAC
_MAX_SIDE = 65_535


@attrs.frozen
class FileKind:
    """The recognised type: its MIME type, and for an image its size in pixels (0 x 0 for
    a PDF), for a PDF its version ('' for an image)."""

    mime: str
    width: int = 0
    height: int = 0
    version: str = ""


def _refuse(reason: str, shown: str | None = None) -> InputError:
    return InputError("content", reason, shown) if shown is not None else InputError("content", reason)


def _png(content: bytes) -> FileKind:
    # signature, then the IHDR chunk: length 13, "IHDR", width, height (big-endian)
    if len(content) < 33 or content[:8] != _PNG_SIGNATURE or content[12:16] != b"IHDR":
        raise _refuse("is not a readable PNG image (no IHDR header)")
    width, height = struct.unpack(">II", content[16:24])
    if not (0 < width <= 1 << 31 and 0 < height <= 1 << 31):
        raise _refuse("is a PNG image with no pixels")
    return FileKind("image/png", width, height)


def _jpeg(content: bytes) -> FileKind:
    if content[:2] != b"\xff\xd8":
        raise _refuse("is not a readable JPEG image (no start-of-image marker)")
    at = 2
    while at + 4 <= len(content):
        if content[at] != 0xFF:
            raise _refuse("is not a readable JPEG image (a broken segment)")
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # TEM, RSTn: no length
            at += 2
            continue
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if length < 2:
            raise _refuse("is not a readable JPEG image (a broken segment)")
        if marker in _JPEG_FRAMES:
            if at + 9 > len(content):
                break
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            if not (0 < width <= _MAX_SIDE and 0 < height <= _MAX_SIDE):
                raise _refuse("is a JPEG image with no pixels")
            return FileKind("image/jpeg", width, height)
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            break
        at += 2 + length
    raise _refuse("is not a readable JPEG image (no frame header)")


def _pdf(content: bytes) -> FileKind:
    found = _PDF_HEADER.match(content)
    if found is None:
        raise _refuse("is not a readable PDF (no %PDF-1.x or %PDF-2.0 header)")
    if b"%%EOF" not in content[-1024:]:
        raise _refuse("is not a complete PDF (no %%EOF marker at its end)")
    return FileKind("application/pdf", version=found.group(1).decode("ascii"))


_PARSERS = {"image/png": _png, "image/jpeg": _jpeg, "application/pdf": _pdf}


def recognise(content: bytes) -> FileKind:
    """The file's kind if it is a PDF, a JPEG or a PNG, by its content; ``InputError``
    (field ``content``) for anything else — an executable named ``.jpg`` included — and
    for a file whose header does not parse.

    >>> recognise(b"%PDF-1.4\\n%\\xe2\\xe3\\n1 0 obj<<>>endobj\\n%%EOF\\n")
    FileKind(mime='application/pdf', width=0, height=0, version='1.4')
    >>> recognise(b"MZ\\x90\\x00" + bytes(60))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hpf_core.errors.InputError: content: is not an image or PDF ...
    """
    if not isinstance(content, bytes) or not content:
        raise _refuse("is empty")
    guess = filetype.guess(content)
    mime = guess.mime if guess is not None else "unknown"
    if mime not in _PARSERS:
        raise _refuse(f"is not an image or PDF (found {mime}); accepted: {', '.join(ACCEPTED_TYPES)}")
    return _PARSERS[mime](content)
