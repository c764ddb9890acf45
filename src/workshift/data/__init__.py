"""Stage 1: raw sources -> a clean, validated region pack.

Public API: :func:`build_pack`, :func:`load_pack`, :class:`RegionPack` (see ``docs/pack.md``),
and the source registry in :mod:`workshift.data.registry`.
"""

from workshift.data.builders import get_builder, pack_names
from workshift.data.pack import RegionPack, build_pack, built_packs, load_pack

__all__ = ["RegionPack", "build_pack", "built_packs", "get_builder", "load_pack", "pack_names"]
