"""Occupation codes: recognising and standardising SOC, O*NET, ISCO-08 and CSCO codes."""

from __future__ import annotations

import pytest

from workshift.data.codes import (
    SYSTEMS,
    csco_major,
    csco_medium,
    looks_like_code,
    normalise_system,
    onet_to_soc,
    parse_code,
    soc_level,
)
from workshift.errors import InputError


@pytest.mark.parametrize(
    ("text", "system", "expected"),
    [
        ("15-1252", None, ("soc2018", "15-1252")),
        ("151252", None, ("soc2018", "15-1252")),
        (" 15 1252 ", None, ("soc2018", "15-1252")),
        ("15-1252.00", None, ("onet", "15-1252.00")),
        ("15-1252.01", None, ("onet", "15-1252.01")),
        ("151252.01", None, ("onet", "15-1252.01")),
        ("15125201", "onet", ("onet", "15-1252.01")),
        ("15-1252", "onet", ("onet", "15-1252.00")),
        ("15-1132", "SOC 2010", ("soc2010", "15-1132")),
        ("2512", None, ("isco08", "2512")),
        ("25", "isco", ("isco08", "25")),
        ("4-04-05-01", None, ("csco2022", "4-04-05-01")),
        ("4040501", None, ("csco2022", "4-04-05-01")),
        ("4-4-5-1", "csco", ("csco2022", "4-04-05-01")),
        ("４－０４－０５－０１", None, ("csco2022", "4-04-05-01")),  # full-width input
        ("soc:15-1252", None, ("soc2018", "15-1252")),
        ("SOC 2018 15-1252", None, ("soc2018", "15-1252")),
        ("O*NET 29-1141.00", None, ("onet", "29-1141.00")),
        ("ISCO-08: 2221", None, ("isco08", "2221")),
        ("CSCO 2-05-08-01", None, ("csco2022", "2-05-08-01")),
    ],
)
def test_parse_code_standardises(text: str, system: str | None, expected: tuple[str, str]) -> None:
    parsed = parse_code(text, system)
    assert tuple(parsed) == expected
    assert parsed.system in SYSTEMS
    # Standard forms are fixed points.
    assert tuple(parse_code(parsed.code, parsed.system)) == expected


@pytest.mark.parametrize("text", ["SOC1990:11-1011", "SOC1990 11-1011", "NOC 2021 21232"])
def test_unknown_system_prefix_is_named(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_code(text)
    name = text.split(":")[0] if ":" in text else text.rsplit(" ", 1)[0]
    assert f"unknown code system '{name}'" in str(err.value)
    assert "soc2018, soc2010, onet, isco08, csco2022" in str(err.value)


def test_unknown_system_argument_is_named() -> None:
    with pytest.raises(
        InputError, match=r"unknown code system 'SOC1990' \(expected one of: soc2018, soc2010"
    ):
        parse_code("11-1011", "SOC1990")


@pytest.mark.parametrize(
    ("text", "system", "message"),
    [
        ("15-12", "soc2018", "malformed SOC 2018 code '15-12'"),
        ("15-1252.1", "onet", "malformed O*NET-SOC 2019 code '15-1252.1'"),
        ("25123", "isco08", "malformed ISCO-08 code '25123'"),
        ("4-04-05", "csco", "malformed CSCO 2022 code '4-04-05'"),
        ("15-12", None, "malformed occupation code '15-12'"),
        ("data entry", None, "malformed occupation code 'data entry'"),
    ],
)
def test_malformed_codes_are_rejected(text: str, system: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("*", r"\*").replace(".", r"\.")):
        parse_code(text, system)


def test_conflicting_prefix_and_system() -> None:
    with pytest.raises(InputError, match="marked isco"):
        parse_code("isco 2512", "soc2018")


def test_helpers() -> None:
    assert normalise_system("O*NET-SOC") == "onet"
    assert normalise_system("isco-08") == "isco08"
    assert onet_to_soc("15-1252.01") == "15-1252"
    assert [soc_level(c) for c in ("15-0000", "15-1200", "15-1250", "15-1252")] == [
        "major",
        "minor",
        "broad",
        "detailed",
    ]
    assert csco_major("4-04-05-01") == "4"
    assert csco_medium("4040501") == "4-04"
    assert looks_like_code("15-1252") and looks_like_code("SOC1990 11-1011") and looks_like_code("4-04-05-01")
    assert not looks_like_code("data entry") and not looks_like_code("数据录入") and not looks_like_code("")
