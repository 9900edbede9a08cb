"""Audio files must really be WAV: a RIFF/WAVE container with fmt and data chunks."""

from __future__ import annotations

import struct

from ..declarations.fields import FieldError


def check_wav(data: bytes) -> None:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise FieldError("is not a WAV file (no RIFF/WAVE header).")
    pos, seen = 12, set()
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            if size < 16 or pos + 8 + size > len(data):
                raise FieldError("is not a WAV file (truncated fmt chunk).")
            channels, rate = struct.unpack("<HI", data[pos + 10 : pos + 16])
            if channels == 0 or rate == 0:
                raise FieldError("is not a WAV file (no channels or sample rate).")
        seen.add(chunk)
        pos += 8 + size + (size & 1)
        if {b"fmt ", b"data"} <= seen:
            return
    missing = " and ".join(c.decode().strip() for c in (b"fmt ", b"data") if c not in seen)
    raise FieldError(f"is not a WAV file (no {missing} chunk).")
