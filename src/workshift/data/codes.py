"""Occupation codes of the systems Workshift reads: recognise them and write them one standard way.

Systems and their standard forms (see ``docs/occupations.md``):

==========  ====================  =====================================================
system      standard form         accepted input
==========  ====================  =====================================================
soc2018     ``15-1252``           ``15-1252``, ``151252``, ``15 1252`` (also groups: ``15-0000``)
soc2010     ``15-1132``           as soc2018 (the format is the same; name the system to get it)
onet        ``15-1252.00``        ``15-1252.01``, ``151252.01``, ``15125201`` with system='onet'
isco08      ``2512``              4 digits (1-3 digits for groups when the system is named)
csco2022    ``4-04-05-01``        ``4-04-05-01``, ``4040501``, ``4-4-5-1``
==========  ====================  =====================================================

A code may carry its system as a prefix (``soc:15-1252``, ``ISCO 2512``, ``CSCO 2022 4-04-05-01``).
Full-width digits and dashes (``４－０４－０５－０１``) are folded to ASCII first. Without a named system,
a SOC-shaped code is taken as SOC 2018 (the system of the US pack). :func:`parse_code` only checks the
form of a code; whether it exists is for the table it is looked up in.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from workshift.errors import InputError

SYSTEMS = ("soc2018", "soc2010", "onet", "isco08", "csco2022")
SYSTEM_LABELS = {
    "soc2018": "SOC 2018",
    "soc2010": "SOC 2010",
    "onet": "O*NET-SOC 2019",
    "isco08": "ISCO-08",
    "csco2022": "CSCO 2022",
}
# Spellings of each system's name, compared after lower-casing and dropping spaces, '-', '_', '*', '.'.
_ALIASES = {
    "soc2018": ("soc2018", "soc18", "soc"),
    "soc2010": ("soc2010", "soc10"),
    "onet": ("onet", "onetsoc", "onetsoc2019", "onet2019", "onet29"),
    "isco08": ("isco08", "isco2008", "isco"),
    "csco2022": ("csco2022", "csco22", "csco", "大典", "职业分类大典"),
}
_BY_ALIAS = {alias: system for system, aliases in _ALIASES.items() for alias in aliases}
_EXPECTED = {
    "soc2018": "NN-NNNN, e.g. 15-1252",
    "soc2010": "NN-NNNN, e.g. 15-1132",
    "onet": "NN-NNNN.NN, e.g. 15-1252.00",
    "isco08": "4 digits (1-3 for groups), e.g. 2512",
    "csco2022": "N-NN-NN-NN, e.g. 4-04-05-01",
}

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−－﹣"), "-")
_SOC = re.compile(r"^(\d{2})[- ]?(\d{4})$")
_ONET = re.compile(r"^(\d{2})[- ]?(\d{4})(?:\.|[- ]?)(\d{2})$")
_ISCO = re.compile(r"^\d{1,4}$")
_CSCO_DASHED = re.compile(r"^(\d)-(\d{1,2})-(\d{1,2})-(\d{1,2})$")
_CSCO_DIGITS = re.compile(r"^(\d)(\d{2})(\d{2})(\d{2})$")
# An optional system prefix (starting with a letter) separated from the code by ':' and/or spaces.
_PREFIX = re.compile(r"^([A-Za-z\u4e00-\u9fff][^:：]*?)(?:\s*[:：]\s*|\s+)(\d[\d\-.]*)$")


class OccupationCode(NamedTuple):
    system: str  # one of SYSTEMS
    code: str  # the standard form


def fold(text: str) -> str:
    """NFKC-normalise (full-width digits -> ASCII) and unify dashes; strip surrounding space."""
    return unicodedata.normalize("NFKC", str(text)).translate(_DASHES).strip()


def normalise_system(name: str) -> str:
    """The standard system name for a spelling such as 'SOC 2018', 'O*NET', 'isco-08', 'CSCO'."""
    key = re.sub(r"[\s\-_*.]", "", fold(name).lower())
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    raise InputError(f"unknown code system '{name}' (expected one of: {', '.join(SYSTEMS)})")


def _split_prefix(text: str) -> tuple[str | None, str]:
    match = _PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1), match.group(2).strip()


def _malformed(system: str, raw: str) -> InputError:
    return InputError(
        f"malformed {SYSTEM_LABELS[system]} code '{raw}' (expected {_EXPECTED[system]})",
    )


def _standardise(system: str, code: str, raw: str) -> str:
    if system in ("soc2018", "soc2010"):
        match = _SOC.match(code)
        if match:
            return f"{match.group(1)}-{match.group(2)}"
    elif system == "onet":
        match = _ONET.match(code)
        if match:
            return f"{match.group(1)}-{match.group(2)}.{match.group(3)}"
        match = _SOC.match(code)  # a bare SOC code names its O*NET base occupation (.00)
        if match:
            return f"{match.group(1)}-{match.group(2)}.00"
    elif system == "isco08":
        if _ISCO.match(code):
            return code
    elif system == "csco2022":
        match = _CSCO_DASHED.match(code) or _CSCO_DIGITS.match(code)
        if match:
            major, *rest = match.groups()
            return "-".join([major, *(part.zfill(2) for part in rest)])
    raise _malformed(system, raw)


def detect_system(code: str) -> str | None:
    """The system a bare code's form belongs to (SOC-shaped codes -> 'soc2018'), or None."""
    code = fold(code)
    if _CSCO_DASHED.match(code) or _CSCO_DIGITS.match(code):
        return "csco2022"
    if re.match(r"^\d{2}[- ]?\d{4}\.\d{2}$", code):
        return "onet"
    if _SOC.match(code):
        return "soc2018"
    if re.match(r"^\d{4}$", code):
        return "isco08"
    return None


def parse_code(text: str, system: str | None = None) -> OccupationCode:
    """Recognise ``text`` as an occupation code and return ``(system, standard code)``.

    ``system`` names the code system (any spelling :func:`normalise_system` accepts); without it the
    system comes from a prefix in ``text`` or from the code's form. Raises :class:`InputError` naming
    an unknown system or a malformed code.
    """
    raw = str(text)
    body = fold(raw)
    if not body:
        raise InputError("empty occupation code")
    prefix, rest = _split_prefix(body)
    if prefix is not None:
        prefixed = normalise_system(prefix)
        if system is not None and normalise_system(system) != prefixed:
            raise InputError(f"code '{raw}' is marked {prefix} but system '{system}' was asked for")
        system, body = prefixed, rest
    if system is not None:
        name = normalise_system(system)
        return OccupationCode(name, _standardise(name, body, raw))
    found = detect_system(body)
    if found is None:
        raise InputError(
            f"malformed occupation code '{raw}': no code system writes codes this way",
            hint="expected " + "; ".join(f"{SYSTEM_LABELS[s]} {_EXPECTED[s]}" for s in SYSTEMS),
        )
    return OccupationCode(found, _standardise(found, body, raw))


def looks_like_code(text: str) -> bool:
    """True when ``text`` is made of digits and separators (optionally after a system prefix)."""
    body = fold(text)
    prefix, rest = _split_prefix(body)
    if prefix is not None:
        try:
            normalise_system(prefix)
        except InputError:
            return bool(re.fullmatch(r"[A-Za-z]+\d*", prefix.replace(" ", "")))  # e.g. 'SOC1990 11-1011'
        return True
    return bool(re.fullmatch(r"\d[\d\-. ]*", body))


def onet_to_soc(onet_code: str) -> str:
    """O*NET-SOC 2019 -> SOC 2018: its first 7 characters ('15-1252.01' -> '15-1252')."""
    return parse_code(onet_code, "onet").code[:7]


def soc_major(soc_code: str) -> str:
    """The two-digit SOC major group ('15-1252' -> '15')."""
    return fold(soc_code)[:2]


def soc_level(soc_code: str) -> str:
    """'major' (15-0000), 'minor' (15-1200), 'broad' (15-1250) or 'detailed' (15-1252) in SOC 2018/2010.

    SOC writes major groups NN-0000, minor groups NN-NN00, broad occupations NN-NNN0 and detailed
    occupations with a last digit other than 0.
    """
    code = parse_code(soc_code, "soc2018").code
    if code.endswith("0000"):
        return "major"
    if code.endswith("00"):
        return "minor"
    if code.endswith("0"):
        return "broad"
    return "detailed"


def csco_major(csco_code: str) -> str:
    """The one-digit CSCO major group ('4-04-05-01' -> '4')."""
    return parse_code(csco_code, "csco2022").code[0]


def csco_medium(csco_code: str) -> str:
    """The CSCO medium group (中类) ('4-04-05-01' -> '4-04')."""
    return parse_code(csco_code, "csco2022").code[:4]
