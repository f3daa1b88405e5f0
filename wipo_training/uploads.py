"""Checks on uploaded ZIP containers (XLSX, PPTX) before anything unpacks them: a small file
that would expand to gigabytes (a "ZIP bomb") is refused by what its directory declares.
Python's zipfile never inflates a member past its declared size, so the declaration bounds
the work."""

import io
import zipfile

#: What an honest workbook or slide deck of the sizes we accept expands to, at most.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 2000
#: XML compresses well (10-20x); a few hundred times is only reached on purpose.
MAX_RATIO = 200


class UnsafeArchiveError(ValueError):
    """A ZIP container refused before unpacking; the message says why."""


def check_zip(data: bytes) -> None:
    """Refuse the archive unless its declared sizes are reasonable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnsafeArchiveError(
            "The file is damaged: it is not a readable ZIP container."
        ) from exc
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
        raise UnsafeArchiveError(
            f"The file would unpack to {unpacked / 1048576:.0f} MB in {len(members)} parts; "
            "that is not an ordinary document, so it was refused."
        )
