"""Region-pack builders and their registry (see ``docs/pack.md``).

A :class:`Builder` turns a region's sources into the pack's table contract
(:data:`workshift.data.contract.TABLES`) and declares the pack's occupation code system. Registered builders
are built by name (`workshift data build us`); the ``tables`` builder reads a user's own folder
(`workshift data build --from-tables DIR NAME`).
"""

from __future__ import annotations

from workshift.data.builders.base import BuildContext, Builder, Progress, Tables, sources_read
from workshift.data.builders.cn import CN
from workshift.data.builders.isco import ISCO_BUILDERS
from workshift.data.builders.tables import TABLES_BUILDER
from workshift.data.builders.us import US
from workshift.errors import InputError, closest

BUILDERS: dict[str, Builder] = {}


def register(builder: Builder) -> Builder:
    """Add a builder under its name (a second one of the same name is an error)."""
    if builder.name in BUILDERS:
        raise InputError(f"a region-pack builder named '{builder.name}' is already registered")
    BUILDERS[builder.name] = builder
    return builder


def pack_names() -> tuple[str, ...]:
    """Names of the packs that registered builders build."""
    return tuple(name for name, b in BUILDERS.items() if not b.needs_source_dir)


def get_builder(name: str) -> Builder:
    """The registered builder of pack ``name``; InputError with a suggestion for an unknown name."""
    known = pack_names()
    if name not in known:
        guess = closest(name, known)
        raise InputError(f"unknown region pack '{name}' (known: {', '.join(known)})",
                         hint=f"did you mean '{guess}'?" if guess else
                         f"known packs: {', '.join(known)}; or build your own: `workshift data build "
                         f"--from-tables DIR {name}`")
    return BUILDERS[name]


register(US)
for _builder in ISCO_BUILDERS:
    register(_builder)
register(CN)
register(TABLES_BUILDER)

__all__ = ["BUILDERS", "BuildContext", "Builder", "Progress", "Tables", "get_builder", "pack_names", "register",
           "sources_read"]
