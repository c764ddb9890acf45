"""Stage 1: raw sources -> a clean, validated region pack.

Public API: :func:`build_pack`, :func:`load_pack`, :class:`RegionPack` (see ``docs/pack.md``),
and the source registry in :mod:`workshift.data.registry`.
"""

from workshift.data.pack import PACKS, RegionPack, build_pack, load_pack

__all__ = ["PACKS", "RegionPack", "build_pack", "load_pack"]
