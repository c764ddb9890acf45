"""The source registry: every raw file the data layer reads, its licence and its sha256.

The registry itself is data (``sources.toml``). Readers never open a raw file by a path of their own:
they ask :func:`source_file`, which resolves it in the data dir and says clearly what to do when it is
missing (pull it, or supply it for user-supplied sources that the project may never bundle).

Each file carries two kinds of hash: ``sha256``, the file as laid out in the data dir, and
``published_sha256``, what its download address serves (``"unknown"`` where the publisher gives none).
``rule`` says how the first is made from the second (copy / extract / transcode / derive / convert); see
``docs/sources.md`` and :mod:`workshift.data.pull`.

Two flags say what a data dir must hold. ``packaged`` files are small redistributable tables shipped inside
the package (``workshift/data/packaged/``, with their licences in its README): a reader takes them from there
when the data dir has no copy. ``optional`` (on a source or a file) marks data that nothing in Workshift
requires: ``data verify`` reports it missing as information, not as an error.
"""

from __future__ import annotations

import gzip
import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from workshift import config
from workshift.errors import DataError, NotFoundError, closest
from workshift.files import sha256_file

REGISTRY_FILE = Path(__file__).with_name("sources.toml")
UNKNOWN = "unknown"
RULES = ("copy", "extract", "transcode", "derive", "convert")
PACKAGED_DIR = Path(__file__).with_name("packaged")
# How a file reaches a data dir (see obtained_by); "mirror only" files have no public machine-readable copy.
PATHS = ("publisher", "public copy", "PyPI", "derived", "packaged", "mirror only")


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the data dir
    sha256: str  # as laid out in the data dir
    bytes: int
    url: str = ""  # where pull downloads it (the archive, for rule 'extract'); '' for derived files
    published_sha256: str = UNKNOWN  # of what `url` serves
    rule: str = "copy"  # copy | extract | derive | convert
    member: str = ""  # path inside the archive at `url` (rule 'extract')
    member_sha256: str = UNKNOWN  # of `member` as stored in the archive
    builder: str = ""  # the derivation (rule 'derive') or conversion ('transcode', optional for 'extract')
    also_urls: tuple[str, ...] = ()  # further published files a 'transcode' conversion reads (after `url`)
    also_sha256: tuple[str, ...] = ()  # their sha256, in the same order
    inputs: tuple[str, ...] = ()  # data-dir paths the builder reads
    accept_sha256: tuple[str, ...] = ()  # other laid-out hashes of the same content
    content_sha256: str = ""  # sha256 of a gzip file's decompressed content
    note: str = ""
    packaged: bool = False  # shipped inside the package (workshift/data/packaged/<path>)
    optional: bool = False  # nothing in Workshift requires it

    def accepts(self, digest: str) -> bool:
        """Whether a laid-out file with this sha256 is this registry file."""
        return digest == self.sha256 or digest in self.accept_sha256


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    version: str
    licence: str
    redistributable: bool
    user_supplied: bool
    code_system: str
    url: str
    reference: str
    build: str
    optional: bool = False  # nothing in Workshift reads the source today
    files: tuple[SourceFile, ...] = field(default_factory=tuple)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def attribution(self) -> str:
        return str(self.extra.get("attribution", self.reference))


def _source_file(entry: dict) -> SourceFile:
    values = dict(entry)
    for key in ("inputs", "accept_sha256", "also_urls", "also_sha256"):
        values[key] = tuple(values.get(key, ()))
    return SourceFile(**values)


@cache
def load_registry() -> dict[str, Source]:
    with open(REGISTRY_FILE, "rb") as handle:
        raw = tomllib.load(handle)
    known = {f for f in Source.__dataclass_fields__ if f not in ("files", "extra")}
    sources: dict[str, Source] = {}
    for entry in raw["source"]:
        files = tuple(_source_file(f) for f in entry.get("files", []))
        base = {k: v for k, v in entry.items() if k in known}
        extra = {k: v for k, v in entry.items() if k not in known and k != "files"}
        sources[entry["id"]] = Source(files=files, extra=extra, **base)
    return sources


def get_source(source_id: str) -> Source:
    registry = load_registry()
    if source_id not in registry:
        guess = closest(source_id, registry)
        raise NotFoundError(
            f"unknown source '{source_id}'", hint=f"did you mean '{guess}'?" if guess else "see sources.toml"
        )
    return registry[source_id]


def source_of(rel_path: str) -> Source:
    """The source that a data-dir-relative file belongs to."""
    for source in load_registry().values():
        if any(f.path == rel_path for f in source.files):
            return source
    raise NotFoundError(f"'{rel_path}' is not a file of any registered source")


def registry_file(rel_path: str) -> SourceFile:
    """The registry entry of a data-dir-relative file."""
    for f in source_of(rel_path).files:
        if f.path == rel_path:
            return f
    raise AssertionError("unreachable")  # source_of found it


def is_optional(source: Source, entry: SourceFile) -> bool:
    """Whether a data dir may lack this file (an optional source or file) without anything failing."""
    return source.optional or entry.optional


def packaged_copy(entry: SourceFile) -> Path | None:
    """The copy of a packaged file shipped inside the package, or None."""
    path = PACKAGED_DIR / entry.path
    return path if entry.packaged and path.is_file() else None


def obtained_by(entry: SourceFile) -> str:
    """How ``workshift data pull`` obtains a file: one of :data:`PATHS`."""
    if entry.packaged:
        return "packaged"
    if entry.rule == "derive":
        return "derived"
    if entry.rule == "convert":
        return "mirror only"
    host = urlsplit(entry.url).netloc
    return {"files.pythonhosted.org": "PyPI", "raw.githubusercontent.com": "public copy"}.get(host, "publisher")


def pullable(entry: SourceFile) -> bool:
    """Whether pull can obtain the file without a mirror (a derived file: when all its inputs can be)."""
    if entry.rule == "derive":
        return all(pullable(registry_file(rel)) for rel in entry.inputs)
    return obtained_by(entry) != "mirror only"


def _pull_command(source: Source, data_dir: Path, extra: str = "") -> str:
    where = "" if data_dir == config.default_pull_dir() else f" --data-dir {data_dir}"
    return f"`workshift data pull {source.id}{extra}{where}`"


def user_supplied_hint(source: Source, data_dir: Path) -> str:
    """Why a user-supplied source is not pulled by default, and how to get it."""
    fetchable = [f for f in source.files if pullable(f)]
    how = (f"{_pull_command(source, data_dir, f' --accept-licence {source.id}')} fetches "
           f"{'it' if len(fetchable) == len(source.files) else f'{len(fetchable)} of its {len(source.files)} files'}"
           f" from {source.url} once you accept that licence" if fetchable else "pull cannot fetch it")
    rest = [f.path for f in source.files if not pullable(f)]
    place = f"; convert the others from {source.url} and place them in {data_dir} as {', '.join(rest)}" if rest else ""
    return (f"source '{source.id}' is user-supplied: its licence is unclear ({source.licence}), so Workshift "
            f"never bundles it or downloads it unasked; {how}{place}")


def how_to_get(rel_path: str, data_dir: Path) -> str:
    """One line for a missing file: its source, whether `data pull` can fetch it, and the exact command."""
    source, entry = source_of(rel_path), registry_file(rel_path)
    if source.user_supplied:
        return user_supplied_hint(source, data_dir)
    if entry.packaged:  # read from the package: missing only from a broken install
        return (f"it ships inside the workshift package, whose copy is missing ({PACKAGED_DIR / rel_path}): "
                "reinstall workshift (`make .venv/.installed`)")
    if pullable(entry) and entry.rule == "derive":
        return f"{_pull_command(source, data_dir)} builds it from {', '.join(entry.inputs)}"
    if pullable(entry):
        return f"{_pull_command(source, data_dir)} fetches it from {urlsplit(entry.url).netloc} ({obtained_by(entry)})"
    return (f"no public address serves it as laid out (converted by hand from {entry.url}): "
            f"{_pull_command(source, data_dir, ' --base-url MIRROR')} takes it from a mirror holding a data-dir copy "
            "(docs/sources.md)" + ("; nothing in Workshift requires it" if is_optional(source, entry) else ""))


def source_file(rel_path: str, data_dir: str | Path | None = None, required: bool = True) -> Path | None:
    """Resolve a registered raw file: in the data dir, else (packaged files) in the package.

    Returns None for a missing file when ``required`` is False; otherwise a missing file is a
    :class:`DataError` that names its source and says how to get it (:func:`how_to_get`).
    """
    source, entry = source_of(rel_path), registry_file(rel_path)
    root = config.data_dir(data_dir)
    path = root / rel_path
    if path.is_file():
        return path
    shipped = packaged_copy(entry)
    if shipped is not None:
        return shipped
    if not required:
        return None
    raise DataError("source file is missing", file=path, expected=f"a file of source '{source.id}' ({source.title})",
                    hint=how_to_get(rel_path, root))


def missing_required(data_dir: str | Path | None = None) -> list[SourceFile]:
    """Files neither the data dir nor the package holds, of sources a user need not supply (no hashing)."""
    root = config.data_dir(data_dir)
    return [f for s in load_registry().values() if not s.user_supplied for f in s.files
            if not is_optional(s, f) and not (root / f.path).is_file() and packaged_copy(f) is None]


def pull_everything_hint(data_dir: str | Path | None = None) -> str | None:
    """When several required files are missing: the one command that fetches them all; None otherwise."""
    root = config.data_dir(data_dir)
    missing = missing_required(root)
    if len(missing) < 2:
        return None
    where = "" if root == config.default_pull_dir() else f" --data-dir {root}"
    size = sum(f.bytes for f in missing) / 1e6
    return (f"{len(missing)} required source files are missing from {root}: `workshift data pull{where}` fetches "
            f"them all (about {size:,.0f} MB as laid out; docs/sources.md), or point --data-dir / "
            "$WORKSHIFT_DATA_DIR at a data dir that holds them")


def gunzip_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 of a gzip file's decompressed content (a corrupt stream is a DataError)."""
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as handle:
            while block := handle.read(chunk):
                digest.update(block)
    except (OSError, EOFError) as exc:
        raise DataError(f"not a valid gzip file ({exc})", file=path) from exc
    return digest.hexdigest()


@dataclass(frozen=True)
class FileCheck:
    """The state of one registry file in a data dir (see :func:`verify`)."""

    source: str
    path: str
    status: str  # ok | missing | missing_user_supplied | missing_optional | mismatch
    sha256: str = ""  # found (empty when missing)
    expected: str = ""
    location: str = ""  # "data dir" or "package" (a packaged file the data dir lacks); empty when missing

    @property
    def is_error(self) -> bool:
        return self.status in ("missing", "mismatch")


def check_file(entry: SourceFile, path: Path, source: Source) -> FileCheck:
    """Hash one file (the data dir's copy, else a packaged one) and compare it with the registry."""
    location = "data dir"
    if not path.is_file() and packaged_copy(entry) is not None:
        path, location = packaged_copy(entry), "package"
    if not path.is_file():
        status = ("missing_user_supplied" if source.user_supplied
                  else "missing_optional" if is_optional(source, entry) else "missing")
        return FileCheck(source.id, entry.path, status, expected=entry.sha256)
    digest = sha256_file(path)
    status = "ok" if entry.accepts(digest) else "mismatch"
    return FileCheck(source.id, entry.path, status, sha256=digest, expected=entry.sha256, location=location)


def verify(data_dir: str | Path | None = None, sources: list[str] | None = None) -> list[FileCheck]:
    """Check every registry file (of ``sources``, default all) in the data dir against its sha256."""
    root = config.data_dir(data_dir)
    chosen = [get_source(s) for s in sources] if sources else list(load_registry().values())
    return [check_file(f, root / f.path, source) for source in chosen for f in source.files]
