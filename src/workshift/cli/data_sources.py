"""`workshift data pull|verify|sources`: the source registry's commands (registered into `data`)."""

# Lazy CLI: workshift modules are imported inside the commands (workshift --help: 2.6-3.0 s CPU lazy,
# 7.0-7.6 s with them at module level; measured in cli/__init__.py's docstring).
from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from workshift.cli.output import echo_json
from workshift.data.registry import PATHS, Source, how_to_get, is_optional, obtained_by
from workshift.i18n import current_lang, lang_option, t

console = Console()

SOURCES_ARG = typer.Argument(None, help="Source ids (default: all); see `workshift data sources`.")
LANG_OPT = typer.Option(None, "--lang", help="Language of the table: en or zh.", callback=lang_option)


def sources_json() -> list[dict]:
    """The registry as plain data (the `sources --json` output)."""
    from workshift.data.registry import load_registry

    out = []
    for source in load_registry().values():
        entry = {k: v for k, v in asdict(source).items() if k not in ("files", "extra")}
        entry.update(source.extra)
        entry["files"] = [asdict(f) for f in source.files]
        out.append(entry)
    return out


def source_paths(source: Source, lang: str = "en") -> str:
    """How pull obtains a source's files, e.g. 'public copy 3' or 'packaged 4, mirror only 12 (optional)'."""
    counts = Counter((obtained_by(f), is_optional(source, f)) for f in source.files)
    parts = [f"{t('sources.path_' + path.replace(' ', '_'), lang)} {n}" + (f" ({t('sources.optional', lang)})" if opt else "")
             for (path, opt), n in sorted(counts.items(), key=lambda kv: (kv[0][1], PATHS.index(kv[0][0])))]
    prefix = f"{t('sources.path_user_supplied', lang)}: " if source.user_supplied else ""
    return prefix + ", ".join(parts)


def _sources(json_out: bool, lang: str) -> None:
    from workshift.data.registry import load_registry

    if json_out:
        echo_json(sources_json())
        return
    from workshift.i18n.names import source_text

    registry = load_registry()
    table = Table(title=t("sources.title", lang, count=len(registry)))
    columns = ("source", "publisher", "version", "licence", "redistributable", "user_supplied", "files", "obtained_by")
    for key in columns:  # addresses and hashes are in --json
        table.add_column(t(f"sources.col_{key}", lang), overflow="fold")
    yes, no = t("sources.yes", lang), t("sources.no", lang)
    for s in registry.values():
        table.add_row(s.id, *(source_text(s.id, key, getattr(s, key), lang) for key in ("publisher", "version", "licence")),
                      yes if s.redistributable else no,
                      yes if s.user_supplied else no, str(len(s.files)), source_paths(s, lang))
    console.print(table)


def _verify(sources: list[str] | None, data_dir: Path | None, json_out: bool, lang: str) -> None:
    from workshift import config
    from workshift.data.registry import verify
    from workshift.errors import ChecksumError, DataError

    root = config.data_dir(data_dir)
    checks = verify(root, sources)
    counts = Counter(c.status for c in checks)
    if json_out:
        echo_json({"data_dir": str(root), "counts": dict(counts), "files": [asdict(c) for c in checks]})
    else:
        table = Table(title=t("sources.verify_title", lang, data_dir=root))
        for key in ("source", "files", "ok", "missing", "mismatch", "status"):
            table.add_column(t(f"sources.col_{key}", lang))
        for source_id in dict.fromkeys(c.source for c in checks):
            mine = Counter(c.status for c in checks if c.source == source_id)
            worst = next((s for s in ("mismatch", "missing", "missing_user_supplied", "missing_optional") if mine[s]),
                         "ok")
            colour = {"ok": "green", "missing_user_supplied": "dim", "missing_optional": "dim",
                      "missing": "yellow"}.get(worst, "red")
            absent = mine["missing"] + mine["missing_user_supplied"] + mine["missing_optional"]
            table.add_row(source_id, str(sum(mine.values())), str(mine["ok"]), str(absent), str(mine["mismatch"]),
                          f"[{colour}]{t('sources.status_' + worst, lang)}[/]")
        console.print(table)
        for c in checks:
            if c.is_error:
                console.print(f"[red]{t('sources.status_' + c.status, lang)}[/]: {c.path}", highlight=False)
        console.print(t("sources.verify_summary", lang, ok=counts["ok"], total=len(checks),
                        missing=counts["missing"], mismatch=counts["mismatch"],
                        optional=counts["missing_user_supplied"] + counts["missing_optional"],
                        packaged=sum(c.location == "package" for c in checks)))
    bad = [c for c in checks if c.status == "mismatch"]
    if bad:
        listing = "\n".join(f"  {c.path}: sha256 {c.sha256}, registry {c.expected}" for c in bad)
        raise ChecksumError(f"{len(bad)} files differ from the registry:\n{listing}", file=root,
                            hint="re-pull them with `workshift data pull SOURCE --force`")
    missing = [c for c in checks if c.status == "missing"]
    if missing:
        listing = "\n".join(f"  {c.path} (source '{c.source}'): {how_to_get(c.path, root)}" for c in missing[:12])
        more = f"\n  ... and {len(missing) - 12} more" if len(missing) > 12 else ""
        raise DataError(
            f"{len(missing)} required files are missing:\n{listing}{more}", file=root,
            hint="or name the sources to check: `workshift data verify ID`",
        )


def _pull(sources: list[str] | None, data_dir: Path | None, base_url: str | None, force: bool,
          accept_licence: list[str]) -> None:
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    from workshift.data.pull import pull

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        report = pull(sources, data_dir, base_url, force, progress, accept_licence)
    colours = {"pulled": "green", "built": "green", "present": "dim", "packaged": "green", "skipped": "dim",
               "user_supplied": "yellow", "failed": "red"}
    lang = current_lang()
    for r in report.results:
        label = f"[{colours[r.status]}]{t('sources.status_' + r.status, lang)}[/]"
        detail = f" — {r.detail}" if r.detail else ""
        console.print(f"{label} {r.path or r.source}{detail}", highlight=False)
    counts = Counter(r.status for r in report.results if r.path)
    console.print(t("sources.pull_summary", lang, target=report.target, done=sum(counts.values()),
                    pulled=counts["pulled"], built=counts["built"], present=counts["present"],
                    packaged=counts["packaged"], skipped=counts["skipped"], failed=counts["failed"]))
    report.raise_for_failures()


def register(data_app: typer.Typer) -> None:
    """Add the source-registry commands to the `data` group."""

    @data_app.command("sources")
    def sources_cmd(
        json_out: bool = typer.Option(False, "--json", help="Print the registry as JSON."),
        lang: str = LANG_OPT,
    ) -> None:
        """List every raw source: publisher, version, licence, redistribution, files and addresses."""
        _sources(json_out, lang)

    @data_app.command("verify")
    def verify_cmd(
        sources: list[str] | None = SOURCES_ARG,
        data_dir: Path | None = typer.Option(
            None, "--data-dir", help="Data dir to check (default: as for reading)."
        ),
        json_out: bool = typer.Option(False, "--json", help="Print every file's check as JSON."),
        lang: str = LANG_OPT,
    ) -> None:
        """Check the sha256 of every source file in the data dir; a mismatch or a missing required file fails."""
        _verify(sources or None, data_dir, json_out, lang)

    @data_app.command("pull")
    def pull_cmd(
        sources: list[str] | None = SOURCES_ARG,
        data_dir: Path | None = typer.Option(
            None, "--data-dir", help="Where to write (default: $WORKSHIFT_DATA_DIR, else the user cache)."
        ),
        base_url: str | None = typer.Option(
            None, "--base-url", help="A mirror to download from instead of the publishers (see docs/sources.md)."
        ),
        force: bool = typer.Option(False, "--force", help="Download again even when a verified copy is present."),
        accept_licence: list[str] = typer.Option(
            [], "--accept-licence", metavar="SOURCE",
            help="Also download this user-supplied source (its licence is unclear: you accept it). Repeatable.",
        ),
    ) -> None:
        """Download redistributable sources, check the publisher's and the laid-out sha256, build derived files."""
        _pull(sources or None, data_dir, base_url, force, accept_licence)
