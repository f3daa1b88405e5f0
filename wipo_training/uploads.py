"""Checks on uploaded ZIP containers (XLSX, PPTX) before anything else unpacks them.

The sizes a ZIP's directory declares are the sender's word: a part declaring 1,000 bytes may
inflate to a gigabyte, and ``zipfile``'s ``read()`` inflates a part whole (up to 1 GiB in one
call) before cutting it to the declared size; openpyxl reads parts that way. So every part is
inflated here as a stream, 64 KiB at a time, counting what really comes out, and the archive
is refused as soon as a part gives more than it declares (or the declarations pass a budget:
per part, in total, and in ratio to the file's size). An archive that passes inflates, part
by part, to exactly what it declares, so whatever reads it afterwards does bounded work.
"""

import io
import struct
import zipfile
import zlib

#: What an honest workbook or slide deck of the sizes we accept expands to, at most.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: One part (a worksheet, a slide's picture), at most.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 2000
#: XML compresses well (10-20x); a few hundred times is only reached on purpose.
MAX_RATIO = 200
#: So little is never refused for its ratio (a tiny repetitive part may compress 500x).
RATIO_FREE_BYTES = 1024 * 1024
#: How much is inflated at a time while counting.
CHUNK = 64 * 1024
#: Office writes parts stored or deflated (ECMA-376 part 2); bzip2 and LZMA inflate without
#: a bound per call in Python, and nothing honest uses them.
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)

_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra length
_LOCAL_SIGNATURE = b"PK\x03\x04"


class UnsafeArchiveError(ValueError):
    """A ZIP container refused before unpacking; the message says why."""


class DamagedArchiveError(UnsafeArchiveError):
    """Not a readable ZIP container at all (rather than one refused for what it holds)."""


def _damaged() -> DamagedArchiveError:
    return DamagedArchiveError("The file is damaged: it is not a readable ZIP container.")


def _part_name(member: zipfile.ZipInfo) -> str:
    name = member.filename
    return name if len(name) <= 80 else name[:77] + "..."


def check_zip(data: bytes) -> None:
    """Refuse the archive unless its declared sizes are reasonable and every part inflates
    to exactly what it declares (read as a stream; stops at the first byte too many)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _damaged() from exc
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    too_big = any(
        member.file_size > MAX_MEMBER_BYTES
        or member.file_size > max(RATIO_FREE_BYTES, MAX_RATIO * member.compress_size)
        for member in members
    )
    if (
        len(members) > MAX_MEMBERS
        or unpacked > MAX_UNPACKED_BYTES
        or unpacked > max(RATIO_FREE_BYTES, MAX_RATIO * packed)
        or too_big
    ):
        raise UnsafeArchiveError(
            f"The file would unpack to {unpacked / 1048576:.0f} MB in {len(members)} parts; "
            "that is not an ordinary document, so it was refused."
        )
    view = memoryview(data)
    for member in members:
        if member.flag_bits & 0x1:
            raise UnsafeArchiveError(
                f"The part “{_part_name(member)}” of the file is encrypted; upload the "
                "document without a password."
            )
        if member.compress_type not in METHODS:
            raise UnsafeArchiveError(
                f"The part “{_part_name(member)}” of the file is packed in a way Office "
                "documents never are, so the file was refused."
            )
        _check_member(view, member)


def _raw_bytes(view: memoryview, member: zipfile.ZipInfo) -> memoryview:
    """The member's packed bytes, found as zipfile finds them (after its local header)."""
    offset = member.header_offset
    header = bytes(view[offset : offset + _LOCAL_HEADER.size])
    if len(header) < _LOCAL_HEADER.size:
        raise _damaged()
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != _LOCAL_SIGNATURE:
        raise _damaged()
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = view[start : start + member.compress_size]
    if len(raw) < member.compress_size:
        raise _damaged()
    return raw


def _check_member(view: memoryview, member: zipfile.ZipInfo) -> None:
    """Inflate one member in CHUNK steps, keeping nothing but the count and the CRC."""
    raw = _raw_bytes(view, member)
    declared = member.file_size
    if member.compress_type == zipfile.ZIP_STORED:
        if len(raw) != declared:
            raise _damaged()
        if zlib.crc32(raw) != member.CRC:
            raise _damaged()
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced, crc, position, pending = 0, 0, 0, b""
    try:
        while not inflater.eof:
            if not pending and position < len(raw):
                pending, position = raw[position : position + CHUNK], position + CHUNK
            out = inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            if not out and not pending and position >= len(raw):
                break  # the packed bytes ended before the stream did
            produced += len(out)
            if produced > declared:
                raise UnsafeArchiveError(
                    f"The part “{_part_name(member)}” of the file unpacks to more than "
                    f"the {declared:,} bytes it declares: that is not an ordinary "
                    "document, so it was refused."
                )
            crc = zlib.crc32(out, crc)
    except zlib.error as exc:
        raise _damaged() from exc
    if not inflater.eof or produced != declared or crc != member.CRC:
        raise _damaged()
