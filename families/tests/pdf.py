"""Read the text of the PDFs reportlab writes, without a PDF library (tests only)."""

from __future__ import annotations

import base64
import re
import zlib

STREAM = re.compile(rb"stream\r?\n(.*?)\s*endstream", re.DOTALL)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(pdf: bytes) -> list[bytes]:
    contents = []
    for raw in STREAM.findall(pdf):
        data = raw.strip()
        if data.endswith(b"~>"):  # reportlab compresses with /ASCII85Decode /FlateDecode
            data = (
                base64.a85decode(data, adobe=True)
                if data.startswith(b"<~")
                else (base64.a85decode(data[:-2]))
            )
        try:
            contents.append(zlib.decompress(data))
        except zlib.error:
            contents.append(raw)
    return contents


def _strings(content: bytes) -> list[bytes]:
    """Return the literal strings `( … )` of a content stream, escapes decoded."""
    found: list[bytes] = []
    i = 0
    while i < len(content):
        if content[i : i + 1] != b"(":
            i += 1
            continue
        depth, i, buffer = 1, i + 1, bytearray()
        while i < len(content) and depth:
            char = content[i : i + 1]
            if char == b"\\":
                following = content[i + 1 : i + 2]
                octal = re.match(rb"[0-7]{1,3}", content[i + 1 : i + 4])
                if octal:
                    buffer.append(int(octal.group(), 8))
                    i += 1 + len(octal.group())
                    continue
                buffer += ESCAPES.get(following, following)
                i += 2
                continue
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if not depth:
                    break
            buffer += char
            i += 1
        found.append(bytes(buffer))
        i += 1
    return found


def pdf_text(pdf: bytes) -> str:
    """Return the text drawn by a reportlab PDF (standard fonts, WinAnsi), stream by stream."""
    pieces = []
    for content in _streams(pdf):
        if b"BT" not in content:
            continue
        pieces += [s.decode("cp1252", errors="replace") for s in _strings(content)]
    return " ".join(pieces)
