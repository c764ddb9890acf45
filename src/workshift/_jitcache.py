"""Where numba keeps the compiled kernels: a cache directory keyed by the kernels' source.

numba's ``cache=True`` checks only the time stamp and size of the file that defines a kernel. Our kernels
call kernels of other files (``fused.py`` inlines ``fused_update.py``, ``extensions/accounts.py``,
``kernels.py``) and freeze module constants (the hook positions of ``hooks.py``) at compile time, so editing
only one of those files left the old machine code in ``__pycache__``: a checkout that had run before tested
and timed the OLD kernels, silently. Keying the cache directory by a hash of every module beside a kernel
makes any such edit compile afresh. It costs a hash of about 0.6 MB of source on ``import workshift``
(a few milliseconds) and nothing when the source is unchanged.

``$NUMBA_CACHE_DIR`` still chooses the base directory; without it the cache stays in the package's own
``__pycache__`` (where numba put it before). A base that cannot be written falls back to numba's own
locations, as before.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PREFIX = "numba-"
BASE_ENV = "WORKSHIFT_NUMBA_CACHE_BASE"  # the user's own $NUMBA_CACHE_DIR, kept for child processes
IMPORTS_NUMBA = re.compile(rb"^\s*(?:import numba|from numba\b)", re.MULTILINE)


def kernel_sources(root: Path = PACKAGE) -> list[Path]:
    """Every module in a folder that holds a numba kernel (a kernel may read any of its neighbours)."""
    folders = {path.parent for path in root.rglob("*.py") if IMPORTS_NUMBA.search(path.read_bytes())}
    return sorted(path for folder in folders for path in folder.glob("*.py"))


def kernel_digest(root: Path = PACKAGE) -> str:
    """A short hash of the kernels' source: paths (relative to ``root``) and contents."""
    digest = hashlib.sha256()
    for path in kernel_sources(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def configure() -> Path:
    """Point numba's cache at ``BASE/numba-DIGEST`` (before or after numba is imported) and return it."""
    base = os.environ.get(BASE_ENV) or os.environ.get("NUMBA_CACHE_DIR")
    if base and Path(base).name.startswith(PREFIX):  # set by this function in a parent process
        base = str(Path(base).parent)
    if base:
        os.environ[BASE_ENV] = base
    where = Path(base) if base else PACKAGE / "__pycache__"
    cache = where / f"{PREFIX}{kernel_digest()}"
    os.environ["NUMBA_CACHE_DIR"] = str(cache)
    numba = sys.modules.get("numba")
    if numba is not None:  # already imported (by another library): its config read the old value
        numba.config.CACHE_DIR = str(cache)
    return cache
