"""Writing the files a person asks for (--html, --ics, --png): whole or not at all."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bmnsocial.errors import UsageError
from bmnsocial.i18n import _


def write_atomic(path: Path, data: bytes | Iterable[bytes], *,
                 permissions: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, synced, then renamed:
    a reader (or a crash, or a full disk) never sees half a file. A symbolic link is
    followed, so the file it points to is updated and the link stays; anything but a regular
    file (a folder, a device such as /dev/full) is refused rather than replaced. Keeps an
    existing file's permissions, else a new file's usual ones (0666 less the umask);
    ``permissions`` sets them instead (the file never has others while it is written).
    ``data`` may come in pieces (a video copied without holding it all in memory); an error
    raised while they are read leaves nothing behind."""
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        keep = 0o666 & ~umask
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    else:
        if not stat.S_ISREG(mode):
            raise UsageError(_("cannot write {file}: it is not a regular file.").format(
                file=path))
        keep = stat.S_IMODE(mode)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                   suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            for piece in (data,) if isinstance(data, bytes) else data:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, keep if permissions is None else permissions)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise


def write_new(path: Path, data: bytes) -> None:
    """Write a file that must not exist yet (a new post): whole, through a temporary file
    beside it, then linked into place, which fails rather than replace a file that appeared
    meanwhile."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError(_("{file} already exists and is left as it is: choose another name "
                           "with --file.").format(file=path)) from None
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _cannot_write(path: Path, exc: OSError) -> UsageError:
    return UsageError(_("cannot write {file}: {reason}.").format(
        file=path, reason=exc.strerror or exc))
