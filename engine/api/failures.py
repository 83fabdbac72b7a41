"""What an exception no handler knew becomes over HTTP: 507 when the disk is full, else a 500.

Either way it is logged once, here, and answered as JSON `{"detail": ...}`.
"""

from __future__ import annotations

import errno
import logging
import sqlite3

log = logging.getLogger("doubletext.api")

SQLITE_FULL = 13  # the primary result code; extended codes keep it in their low byte
DISK_FULL_STATUS = 507  # Insufficient Storage
DISK_FULL_DETAIL = (
    "Insufficient storage: the disk holding the data directory is full; "
    "nothing was saved, free some space and retry"
)
INTERNAL_DETAIL = "Internal server error"


def is_disk_full(exc: BaseException | None) -> bool:
    """SQLITE_FULL or ENOSPC/EDQUOT anywhere in the exception's chain."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sqlite3.Error):
            code = getattr(exc, "sqlite_errorcode", None)
            if (code is not None and code & 0xFF == SQLITE_FULL) or "disk is full" in str(exc):
                return True
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def failure(exc: BaseException) -> tuple[int, str]:
    """Status and detail for an unexpected exception, logged once."""
    if is_disk_full(exc):
        log.error("request failed, the disk is full: %s", exc)
        return DISK_FULL_STATUS, DISK_FULL_DETAIL
    log.error("unhandled error", exc_info=exc)
    return 500, INTERNAL_DETAIL
