"""Uploaded media files: what a file is (by its bytes, never its name) and a safe place for it under media/.

An upload is streamed to a temporary file beside its destination, checked there, and only then moved into
place under a name nobody else has: nothing half-written or refused is ever visible in media/. No Flask here.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from werkzeug.utils import secure_filename

from app.course.caption_checks import check_captions
from app.course.captions import CaptionProblem
from app.course.srt import srt_to_vtt

UPLOADS = "uploads"  # the folder under media/ that uploads go to
CHUNK = 1024 * 1024
HEAD = 4096  # bytes kept from the start of a file to tell what it is
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
DOCTYPE_ID = 0x4282
# Major or compatible brands of an MP4 ("ftyp" box) that browsers play as video/mp4.
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"mp41", b"mp42", b"avc1", b"av01",
    b"dash", b"M4V ", b"M4VP", b"mmp4", b"msnv", b"cmfc", b"cmf2", b"hvc1",
}  # fmt: skip
MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
VIDEO_SUFFIX = {"webm": ".webm", "mp4": ".mp4"}


class UploadRefused(ValueError):
    """The file was not saved; the message says why, in words an author can act on."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status  # 413 too large, 415 not a type we take, 400 anything else


@dataclass(frozen=True)
class MediaFile:
    path: str  # relative to the media folder, with forward slashes (as lessons name it)
    size: int


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``pos``: (value, position after it), or None if cut short."""
    if pos >= len(data) or data[pos] == 0:
        return None
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def ebml_doctype(head: bytes) -> str | None:
    """The DocType ("webm", "matroska") named in an EBML header, or None if there is no readable one."""
    if not head.startswith(EBML_MAGIC):
        return None
    size = _vint(head, 4, keep_marker=False)
    if size is None:
        return None
    pos, end = size[1], min(len(head), size[1] + size[0])
    while pos < end:
        element, size = _vint(head, pos, keep_marker=True), None
        if element is not None:
            size = _vint(head, element[1], keep_marker=False)
        if element is None or size is None:
            return None
        start = size[1]
        if element[0] == DOCTYPE_ID:
            return head[start : start + size[0]].rstrip(b"\0").decode("ascii", "replace")
        pos = start + size[0]
    return None


def sniff_video(head: bytes) -> str | None:
    """'webm' or 'mp4' when the first bytes are a video browsers play; None otherwise."""
    if ebml_doctype(head) == "webm":
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        box = min(int.from_bytes(head[0:4], "big"), len(head))
        major = head[8:12]
        compatible = {head[i : i + 4] for i in range(16, box - 3, 4)}
        if major in MP4_BRANDS or (major not in MP4_AUDIO_BRANDS and major != b"qt  " and compatible & MP4_BRANDS):
            return "mp4"
    return None


def read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEAD)


def describe(head: bytes) -> str:
    """What a refused file looks like, for the message."""
    if not head:
        return "the file is empty"
    doctype = ebml_doctype(head)
    if doctype:
        return f"it is a {'Matroska (.mkv)' if doctype == 'matroska' else repr(doctype)} file, not WebM"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "it is a QuickTime (.mov) file"
        if brand in MP4_AUDIO_BRANDS:
            return "it holds audio only"
        return f"its MP4 brand {brand.decode('ascii', 'replace')!r} is not one browsers play"
    signatures = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
                  b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive", b"OggS": "an Ogg file",
                  b"RIFF": "a RIFF (AVI or WAV) file"}  # fmt: skip
    for magic, name in signatures.items():
        if head.startswith(magic):
            return f"its contents are {name}"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not merely a character cut off at the end of the sample
            return "its contents are not a video format browsers play"
    return "its contents are plain text" if b"\0" not in head else "its contents are not a video format browsers play"


def safe_name(filename: str, suffix: str) -> str:
    """A plain file name with ``suffix``; names that try to reach other folders are refused."""
    original = (filename or "").strip()
    if "/" in original or "\\" in original or "\0" in original or original.startswith(".."):
        raise UploadRefused("File names must not contain folders ('/', '\\' or '..'); rename the file and try again.")
    stem = secure_filename(Path(original).stem) or "upload"
    return f"{stem[:100]}{suffix}"


def uploads_folder(media_dir: Path) -> Path:
    folder = Path(media_dir) / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stream_to_temp(stream: BinaryIO, folder: Path, limit: int) -> tuple[Path, int, bytes]:
    """Copy ``stream`` to a hidden temporary file in ``folder``: (path, size, first bytes).

    Refused (and the temporary file removed) beyond ``limit`` bytes.
    """
    handle, name = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".part")
    temp, size, head = Path(name), 0, b""
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(f"The file is larger than the limit of {limit / (1024 * 1024):g} MB.", 413)
                if len(head) < HEAD:
                    head += chunk[: HEAD - len(head)]
                out.write(chunk)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp, size, head


def place(temp: Path, folder: Path, name: str) -> Path:
    """Move ``temp`` into ``folder`` as ``name``, or ``name-2``, ``name-3``…: an existing file is never replaced."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, 1000):
        target = folder / (name if number == 1 else f"{stem}-{number}{suffix}")
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))  # claim the name
        except FileExistsError:
            continue
        os.replace(temp, target)
        target.chmod(0o644)
        return target
    temp.unlink(missing_ok=True)
    raise UploadRefused(f"Too many files are already named like {name!r}; choose another name.")


def save_video(stream: BinaryIO, filename: str, media_dir: Path, limit: int) -> tuple[MediaFile, str]:
    """Stream an uploaded video into media/uploads/: (saved file, 'webm' or 'mp4'), or UploadRefused."""
    name = safe_name(filename, "")  # checks the name before a byte is written
    folder = uploads_folder(media_dir)
    temp, size, head = stream_to_temp(stream, folder, limit)
    kind = sniff_video(head)
    if kind is None:
        temp.unlink(missing_ok=True)
        raise UploadRefused(
            f"“{filename}” was not saved: {describe(head)}. Upload an MP4 or WebM video "
            "(the type is read from the file's contents, not from its name).",
            415,
        )
    target = place(temp, folder, Path(name).stem + VIDEO_SUFFIX[kind])  # the suffix follows the contents
    return MediaFile(relative(media_dir, target), size), kind


def save_text(text: str, filename: str, media_dir: Path, suffix: str = ".vtt") -> MediaFile:
    """Write checked text (UTF-8) into media/uploads/ under a new name; never replaces a file."""
    name = safe_name(filename, suffix)
    folder = uploads_folder(media_dir)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        target = place(Path(temp), folder, name)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return MediaFile(relative(media_dir, target), target.stat().st_size)


def caption_text(data: bytes, filename: str) -> tuple[str | None, list[CaptionProblem]]:
    """WebVTT text from an uploaded caption file: a WebVTT file as it is, a SubRip (.srt) file converted.

    Which it is comes from its contents ("WEBVTT" first); the name only says what else to expect.
    Problems name lines of the uploaded file. UploadRefused for a file that is not captions at all.
    """
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".vtt", ".srt"):
        raise UploadRefused("Caption files must be WebVTT (.vtt) or SubRip (.srt) files.", 415)
    head = data[:HEAD]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [CaptionProblem(1, "UTF-16 text: save the file as UTF-8 and upload it again")]
    video = sniff_video(head)
    if video or not head or b"\0" in head:
        what = f"it is a {video.upper()} video" if video else describe(head) if not head else "it is not a text file"
        raise UploadRefused(f"“{filename}” was not saved: {what}, not captions.", 415)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [CaptionProblem(line, "not UTF-8 text: save the file as UTF-8 and upload it again")]
    if text.startswith("WEBVTT") or suffix == ".vtt":
        return text, []
    return srt_to_vtt(text)


def relative(media_dir: Path, path: Path) -> str:
    return path.resolve().relative_to(Path(media_dir).resolve()).as_posix()


def media_files(media_dir: Path) -> list[MediaFile]:
    """Every file under the media folder (hidden files and folders, such as uploads in progress, left out)."""
    root = Path(media_dir)
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(folder) / name
                found.append(MediaFile(path.relative_to(root).as_posix(), path.stat().st_size))
    return found


def media_path(media_dir: Path, name: str) -> Path | None:
    """The file ``name`` names inside the media folder, or None (missing, a folder, hidden, or outside it)."""
    if not name or "\\" in name or "\0" in name:
        return None
    root = Path(media_dir).resolve()
    parts = Path(name).parts
    if Path(name).is_absolute() or any(part in ("..", "") or part.startswith(".") for part in parts):
        return None
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def media_problem(media_dir: Path, name: str, label: str) -> str | None:
    """Why the file ``name`` cannot be a lesson's video (label "video") or track, or None if it can."""
    path = media_path(media_dir, name)
    if label == "video":
        head = read_head(path) if path else b""
        if path is None or not sniff_video(head):
            return f"{name!r} is not an MP4 or WebM video in media/" + (f": {describe(head)}." if path else ".")
        return None
    if path is None or path.suffix.lower() != ".vtt":
        return f"There is no WebVTT file {name!r} in media/ for the {label}."
    problems, _ = check_captions(path.read_bytes().decode("utf-8", errors="replace"))
    if problems:
        return f"The {label} file {name} has problems: " + "; ".join(f"line {p.line}: {p.message}" for p in problems)
    return None


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"
