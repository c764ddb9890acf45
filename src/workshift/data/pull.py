"""`workshift data pull`: download sources, check the publisher's hash, build, check the laid-out hash.

Each registry file has a rule (see ``sources.toml``):

* ``copy``: its ``url`` serves the laid-out bytes;
* ``extract``: its ``url`` serves a zip, wheel or tar.gz; the file is the archive's ``member``, converted by
  :data:`workshift.data.derived.CONVERSIONS` ``[builder]`` when the entry names one (a Stata file to CSV);
* ``transcode``: its ``url`` serves the publisher's format (a Stata file); the file is its conversion by
  ``CONVERSIONS[builder]``;
* ``derive``: built by a function of :mod:`workshift.data.derived` from other registry files (``inputs``);
* ``convert``: converted by hand from the publisher's file; only a mirror (``base_url``) can serve it.

Files marked ``packaged`` ship inside the package: pull checks the shipped copy and writes nothing. An
optional file that no address serves (a hand conversion without a mirror, or one the mirror lacks) is
skipped, not failed. User-supplied sources (licence unclear) are downloaded only for the ids named in
``accept_licence``.

Every download is streamed into a temporary file, hashed, checked against the publisher's sha256 when the
registry knows it, built, checked against the laid-out sha256 and only then moved into place: a failed,
truncated or corrupt download leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from workshift import config
from workshift._version import __version__
from workshift.data.derived import CONVERSIONS, derive
from workshift.data.registry import (
    UNKNOWN,
    Source,
    SourceFile,
    get_source,
    gunzip_sha256,
    is_optional,
    load_registry,
    packaged_copy,
    registry_file,
    source_of,
    user_supplied_hint,
)
from workshift.errors import ChecksumError, DataError, InputError, WorkshiftError
from workshift.files import atomic_path, sha256_file

if TYPE_CHECKING:
    from rich.progress import Progress

CHUNK = 1 << 16


# --- downloads ---


def pull_target(explicit: str | Path | None = None) -> Path:
    """Where pull writes: --data-dir, else the root --data-dir or $WORKSHIFT_DATA_DIR, else the user cache.

    Unlike reading, pull never defaults to ``../shared/data``: that is a reference copy, not a cache.
    """
    return config.pull_dir(explicit)


def download_address(entry: SourceFile, base_url: str | None) -> str | None:
    """The address pull fetches a file (or its archive) from; None when no public address serves it.

    A mirror (``base_url``) holds the publishers' files under ``<host>/<path>`` of their official address
    (the layout `wget -x` makes) and files without one (rule 'convert') under their data-dir path.
    """
    if base_url is None:
        return entry.url if entry.rule in ("copy", "extract", "transcode") and entry.url else None
    base = base_url.rstrip("/")
    if entry.rule == "convert" or not entry.url:
        return f"{base}/{quote(entry.path)}"
    return mirrored(entry.url, base)


def mirrored(url: str, base_url: str | None) -> str:
    """A publisher's address, or its place in a mirror (``<base>/<host>/<path>``)."""
    if base_url is None:
        return url
    parts = urlsplit(url)
    return f"{base_url.rstrip('/')}/{parts.netloc}{parts.path}"


class NotServed(DataError):
    """The address serves nothing (HTTP 404/410, or no such file in a file:// mirror)."""


def _mismatch(what: str, where: str, found: str, expected: str, hint: str | None = None) -> ChecksumError:
    return ChecksumError(f"{what} sha256 {found} differs from the registry", file=where, expected=expected, hint=hint)


def fetch(url: str, dest: Path, *, label: str, progress: Progress | None = None, timeout: float = 60) -> str:
    """Stream ``url`` into ``dest``; return its sha256. HTTP errors and short reads are DataErrors."""
    request = urllib.request.Request(url, headers={"User-Agent": f"workshift/{__version__}"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        kind = NotServed if exc.code in (404, 410) else DataError
        raise kind(f"download failed: HTTP {exc.code} {exc.reason}", file=url,
                   hint="check the address or `base_url`; the publisher may have moved the file",
                   mentions=("base_url",)) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        kind = NotServed if isinstance(reason, FileNotFoundError) else DataError
        raise kind(f"download failed: {reason}", file=url, hint="check the network or `base_url`",
                   mentions=("base_url",)) from exc
    digest, size = hashlib.sha256(), 0
    with response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        task = progress.add_task(label, total=total) if progress is not None else None
        try:
            with open(dest, "wb") as out:
                while block := response.read(CHUNK):
                    out.write(block)
                    digest.update(block)
                    size += len(block)
                    if task is not None:
                        progress.advance(task, len(block))
        except (OSError, http.client.HTTPException) as exc:  # a reset or IncompleteRead mid-stream
            raise DataError(f"download interrupted after {size} bytes ({exc})", file=url) from exc
        finally:
            if task is not None:
                progress.remove_task(task)
    if total is not None and size != total:
        raise DataError(f"truncated download: got {size} of {total} bytes", file=url, hint="try again")
    return digest.hexdigest()


@dataclass
class PullResult:
    source: str
    path: str
    status: str  # pulled | built | present | packaged | skipped | user_supplied | failed
    detail: str = ""


@dataclass
class PullReport:
    target: Path
    results: list[PullResult] = field(default_factory=list)
    errors: dict[str, WorkshiftError] = field(default_factory=dict)  # path -> what went wrong

    def add(self, source: str, path: str, status: str, detail: str = "") -> None:
        self.results.append(PullResult(source, path, status, detail))

    def raise_for_failures(self) -> None:
        """Raise the error of a single failed file, or one DataError that lists several."""
        if len(self.errors) == 1:
            raise next(iter(self.errors.values()))
        if self.errors:
            lines = "\n".join(
                f"  {exc.message}" if exc.message.startswith(path) else f"  {path}: {exc.message}"
                for path, exc in self.errors.items()
            )
            hints = "; ".join(dict.fromkeys(exc.hint for exc in self.errors.values() if exc.hint))
            mentions = tuple(dict.fromkeys(name for exc in self.errors.values() for name in exc.arguments))
            raise DataError(f"{len(self.errors)} files failed to pull:\n{lines}", hint=hints or None,
                            mentions=mentions)


class _Puller:
    """One pull run: downloads archives once, pulls a derived file's inputs first."""

    def __init__(self, target: Path, base_url: str | None, force: bool, progress: Progress | None,
                 scratch: Path, report: PullReport) -> None:
        self.target, self.base_url, self.force, self.progress = target, base_url, force, progress
        self.scratch, self.report = scratch, report
        self.archives: dict[str, Path | WorkshiftError] = {}
        self.settled: dict[str, bool] = {}  # path -> present and verified after this run

    def file(self, source: Source, entry: SourceFile) -> bool:
        if entry.path in self.settled:
            return self.settled[entry.path]
        path = self.target / entry.path
        ok = True
        if not self.force and path.is_file() and entry.accepts(sha256_file(path)):
            self.report.add(source.id, entry.path, "present")
        else:
            try:
                status, detail = self._obtain(source, entry, path)
                self.report.add(source.id, entry.path, status, detail)
            except NotServed as exc:
                ok = self._failed(source, entry, exc, skippable=is_optional(source, entry))
            except WorkshiftError as exc:
                ok = self._failed(source, entry, exc)
        self.settled[entry.path] = ok
        return ok

    def _failed(self, source: Source, entry: SourceFile, exc: WorkshiftError, skippable: bool = False) -> bool:
        detail = exc.message.removeprefix(f"{entry.path}: ")
        if skippable:  # an optional file that no address serves: nothing needs it
            self.report.add(source.id, entry.path, "skipped", f"optional, not obtained: {detail}")
            return False
        self.report.add(source.id, entry.path, "failed", detail)
        self.report.errors[entry.path] = exc
        return False

    def _obtain(self, source: Source, entry: SourceFile, path: Path) -> tuple[str, str]:
        if entry.packaged:
            shipped = packaged_copy(entry)
            if shipped is None or not entry.accepts(sha256_file(shipped)):
                raise DataError("the copy shipped inside the package is missing or altered",
                                file=shipped or entry.path, hint="reinstall workshift (`make .venv/.installed`)")
            return "packaged", "shipped with workshift, read from the package"
        if entry.rule == "derive":
            for rel in entry.inputs:
                if not self.file(source_of(rel), registry_file(rel)):
                    kind = DataError if rel in self.report.errors else NotServed  # an input skipped, not failed
                    raise kind(f"cannot build: its input {rel} could not be pulled", file=entry.path)
            with atomic_path(path) as tmp:
                tmp.write_bytes(derive(entry, self.target))
                self._check_laid_out(entry, tmp, "built file")
            return "built", ""
        address = download_address(entry, self.base_url)
        if address is None:
            raise NotServed(
                f"no public address serves this file as laid out: it was converted by hand from {entry.url}",
                file=entry.path, hint="pull it from a mirror holding a data-dir copy: base_url=URL (docs/sources.md)",
                mentions=("base_url",),
            )
        with atomic_path(path) as tmp:
            if entry.rule == "extract":
                self._extract(entry, self._archive(address, entry.published_sha256), tmp)
            elif entry.rule == "transcode":  # one download per run, however many files it converts into
                published = [self._archive(address, entry.published_sha256)]
                published += [self._archive(mirrored(url, self.base_url), sha)
                              for url, sha in zip(entry.also_urls, entry.also_sha256, strict=True)]
                self._convert(entry, published, tmp, f"the file from {address}")
            else:
                digest = fetch(address, tmp, label=entry.path, progress=self.progress)
                if entry.published_sha256 != UNKNOWN and digest != entry.published_sha256:
                    raise _mismatch("downloaded", f"{entry.path} (from {address})", digest, entry.published_sha256)
            self._check_laid_out(entry, tmp, f"file from {address}")
        return "pulled", ""

    def _archive(self, address: str, published_sha256: str) -> Path:
        """The archive (or published file) at ``address``, downloaded and checked once per run (a failure is
        remembered too)."""
        if address not in self.archives:
            dest = self.scratch / f"archive{len(self.archives)}.zip"
            try:
                digest = fetch(address, dest, label=address.rsplit("/", 1)[-1], progress=self.progress)
                if published_sha256 != UNKNOWN and digest != published_sha256:
                    raise _mismatch("downloaded archive", address, digest, published_sha256,
                                    hint="a corrupt or altered archive is never used")
            except WorkshiftError as exc:
                dest.unlink(missing_ok=True)
                self.archives[address] = exc
                raise
            self.archives[address] = dest
        found = self.archives[address]
        if isinstance(found, WorkshiftError):
            raise found
        return found

    def _extract(self, entry: SourceFile, archive: Path, dest: Path) -> None:
        try:
            if tarfile.is_tarfile(archive):  # an sdist (.tar.gz)
                with tarfile.open(archive) as bundle:
                    found = bundle.extractfile(entry.member)
                    if found is None:
                        raise KeyError(entry.member)
                    with found as member, open(dest, "wb") as out:
                        shutil.copyfileobj(member, out, CHUNK)
            else:
                with zipfile.ZipFile(archive) as bundle, bundle.open(entry.member) as member, open(dest, "wb") as out:
                    shutil.copyfileobj(member, out, CHUNK)
        except KeyError as exc:
            raise DataError(f"archive has no member '{entry.member}'", file=entry.url, expected=entry.path) from exc
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
            raise DataError(f"corrupt or truncated archive ({exc})", file=entry.url, expected=entry.path) from exc
        digest = sha256_file(dest)
        if entry.member_sha256 != UNKNOWN and digest != entry.member_sha256:
            raise _mismatch(f"archive member {entry.member}", entry.path, digest, entry.member_sha256)
        if entry.builder:
            self._convert(entry, [dest], dest, f"archive member {entry.member}")

    def _convert(self, entry: SourceFile, published: list[Path], dest: Path, what: str) -> None:
        """Write to ``dest`` the conversion of the ``published`` files (the publisher's format) into the
        laid-out file."""
        try:
            dest.write_bytes(CONVERSIONS[entry.builder](published))
        except (ValueError, KeyError, OSError) as exc:
            raise DataError(f"cannot convert {what} ({exc})", file=entry.url, expected=entry.path) from exc

    def _check_laid_out(self, entry: SourceFile, tmp: Path, what: str) -> None:
        digest = sha256_file(tmp)
        if not entry.accepts(digest):
            raise _mismatch(what, entry.path, digest, entry.sha256)
        if entry.content_sha256 and gunzip_sha256(tmp) != entry.content_sha256:
            raise ChecksumError("decompressed content differs from the registry", file=entry.path,
                                expected=f"content sha256 {entry.content_sha256}")


def _selection(names: list[str] | None) -> list[tuple[Source, tuple[SourceFile, ...]]]:
    """Source ids (all their files) or data-dir paths of single files; default every source."""
    sources = load_registry()
    chosen = []
    for name in names or list(sources):
        if name in sources or "/" not in name:
            source = get_source(name)  # an unknown id gets a did-you-mean hint
            chosen.append((source, source.files))
        else:
            chosen.append((source_of(name), (registry_file(name),)))
    return chosen


def pull(
    source_ids: list[str] | None = None,
    data_dir: str | Path | None = None,
    base_url: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    accept_licence: list[str] | tuple[str, ...] = (),
) -> PullReport:
    """Download (or build) every file of the named sources into the pull target.

    ``source_ids`` holds source ids or data-dir paths of single files (default: every source). Files
    already present with the registry's sha256 are kept unless ``force``. A user-supplied source is
    downloaded only when its id is in ``accept_licence`` (the user accepts its unclear licence). Returns a
    report; call :meth:`PullReport.raise_for_failures` to turn failures into an error.
    """
    for source_id in accept_licence:
        if not get_source(source_id).user_supplied:
            raise InputError(f"accept_licence {source_id}: source '{source_id}' is not user-supplied",
                             parameter="accept_licence",
                             hint="only sources whose licence is unclear need it (see `workshift data sources`)")
    target = pull_target(data_dir)
    selection = _selection(source_ids)
    report = PullReport(target)
    with tempfile.TemporaryDirectory(prefix="workshift-pull-") as scratch:
        puller = _Puller(target, base_url, force, progress, Path(scratch), report)
        for source, files in selection:
            if source.user_supplied and source.id not in accept_licence:
                report.add(source.id, "", "user_supplied", user_supplied_hint(source, target))
                continue
            for entry in sorted(files, key=lambda f: f.rule == "derive"):
                puller.file(source, entry)
    return report
