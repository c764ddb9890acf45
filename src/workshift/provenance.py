"""The software environment a result was produced in, recorded with every stored run.

Two results can only be compared honestly when the libraries that made them are known: a new release of
an optimiser or a sampler changes same-seed numbers. Versions are read from the installed distributions'
metadata, so recording them imports nothing heavy; torch is listed only when the run imported it.
"""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

from workshift._version import __version__

# The libraries whose versions decide a run's numbers (data handling, engine, optimiser, models, store).
LIBRARIES = ("numpy", "scipy", "numba", "pymoo", "pandas", "duckdb", "scikit-learn", "pyarrow")
# Heavy optional libraries: recorded when the run used them (they are imported then).
OPTIONAL = {"torch": "torch", "dask": "dask", "distributed": "distributed"}


def environment(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of Python, Workshift and the libraries behind a result (``extra``: more distributions).

    Returns
    -------
    dict
        ``{"python": "3.11.7", "workshift": "0.1.0", "numpy": "2.4.6", ...}``; a library that is not
        installed is listed as ``"not installed"``.
    """
    out = {"python": platform.python_version(), "implementation": platform.python_implementation(),
           "platform": f"{sys.platform}-{platform.machine()}", "workshift": __version__}
    names = list(LIBRARIES) + list(extra)
    names += [dist for module, dist in OPTIONAL.items() if module in sys.modules and dist not in names]
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
