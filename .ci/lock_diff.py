"""Print the packages whose newest release differs from uv.lock (used by `make upgrade-check`)."""

import re
import sys
import tomllib

lock = {p["name"]: p["version"] for p in tomllib.load(open("uv.lock", "rb"))["package"]}
text = open(sys.argv[1]).read()
newest = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M))
changed = [(k, v) for k, v in sorted(newest.items()) if lock.get(k) != v]
print("newest releases that differ from uv.lock:" if changed else "uv.lock already has the newest releases")
for name, version in changed:
    print(f"  {name}: {lock.get(name, '-')} -> {version}")
