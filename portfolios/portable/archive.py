"""Open an uploaded portable portfolio (a ZIP or a bare portfolio.json) without trusting it.

Only the central directory is read until every member's name, flags and declared size have
passed: a hostile archive is refused before a byte of it is decompressed. Members are then
read with a cap of their declared size (zipfile stops there and checks the CRC), so a lying
header cannot make us write or hold more than the limits below.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from typing import IO

from portfolios.portable.format import FILENAME
from portfolios.uploads import MAX_ATTACHMENT_BYTES

# The whole upload: a portfolio with a few hundred attachments of a few MB each.
MAX_IMPORT_BYTES = 200 * 1024 * 1024
# What the members would add up to once unpacked; more than that is a bomb, not a portfolio.
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_MEMBERS = 5000
MAX_JSON_BYTES = 20 * 1024 * 1024
# PDFs, images and DOCX barely compress; JSON compresses ~10:1. Far beyond either is a bomb.
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # small members may compress well: only judge the big ones

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# Archives inside the archive are refused: nothing here unpacks them, and a nested bomb
# would slip past the sizes above. (A DOCX is a ZIP too, but it is judged as a document by
# the attachment checks, never as a member name ending like these.)
_NESTED_ARCHIVE = re.compile(r"\.(zip|jar|7z|rar|gz|tgz|bz2|xz|zst|tar|cab|iso)$", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:")


class ImportProblems(Exception):
    """Everything wrong with an upload, each problem a sentence for the practitioner."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Upload:
    """What was sent: the JSON bytes and, for a ZIP, the archive to read attachments from."""

    portfolio_json: bytes
    archive: zipfile.ZipFile | None = None
    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def read(self, name: str) -> bytes | None:
        """A member's bytes, never more than its declared size; None when it is absent."""
        info = self.members.get(name)
        if info is None or self.archive is None:
            return None
        with self.archive.open(info) as member:
            return member.read(min(info.file_size, MAX_ATTACHMENT_BYTES) + 1)


def open_upload(file: IO[bytes], size: int) -> Upload:
    """The upload's portfolio.json and members, or ImportProblems listing every problem."""
    if size > MAX_IMPORT_BYTES:
        raise ImportProblems(["The file is larger than 200 MB."])
    if size == 0:
        raise ImportProblems(["The file is empty."])
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if head in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        return _open_zip(file)
    if size > MAX_JSON_BYTES:
        raise ImportProblems(["portfolio.json is larger than 20 MB."])
    return Upload(portfolio_json=file.read())


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    shown = name[:80]
    if not name or "\x00" in name:
        return "The ZIP has a member with an empty or invalid name."
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return f"The ZIP member “{shown}” has an absolute path."
    if "\\" in name or ".." in name.split("/"):
        return f"The ZIP member “{shown}” points outside the archive (path traversal)."
    if info.flag_bits & 0x1:
        return f"The ZIP member “{shown}” is encrypted."
    if _NESTED_ARCHIVE.search(name):
        return (
            f"The ZIP member “{shown}” is itself an archive; "
            "archives inside the ZIP are not accepted."
        )
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return f"The ZIP member “{shown}” unpacks to far more than its size (a “zip bomb”)."
    return None


def _open_zip(file: IO[bytes]) -> Upload:
    try:
        archive = zipfile.ZipFile(file)
        members = archive.infolist()
    except Exception as error:
        # BadZipFile, LargeZipFile, OSError, EOFError, ValueError...: a damaged or hostile
        # archive is the practitioner's 400, whatever zipfile chose to raise.
        raise ImportProblems(["The file is not a ZIP that can be read."]) from error
    problems: list[str] = []
    if len(members) > MAX_MEMBERS:
        archive.close()
        raise ImportProblems([f"The ZIP has more than {MAX_MEMBERS} files."])
    seen: dict[str, zipfile.ZipInfo] = {}
    for info in members:
        if info.is_dir():
            continue
        problem = _member_problem(info)
        if problem:
            problems.append(problem)
        elif info.filename in seen:
            problems.append(f"The ZIP has two members named “{info.filename[:80]}”.")
        seen[info.filename] = info
    if sum(info.file_size for info in members) > MAX_UNCOMPRESSED_BYTES:
        problems.append("The ZIP unpacks to more than 500 MB (a “zip bomb” or too large).")
    manifest = seen.get(FILENAME)
    if manifest is None:
        problems.append(
            "The ZIP has no portfolio.json. Download it again from “Your data” on the "
            "site it comes from."
        )
    elif manifest.file_size > MAX_JSON_BYTES:
        problems.append("portfolio.json is larger than 20 MB.")
    if problems:
        archive.close()
        raise ImportProblems(problems)
    try:
        with archive.open(manifest) as member:
            data = member.read(MAX_JSON_BYTES + 1)
    except Exception as error:
        archive.close()
        raise ImportProblems(["portfolio.json in the ZIP is damaged."]) from error
    return Upload(portfolio_json=data, archive=archive, members=seen)
