"""`make bench`: run every benchmark module, print a table per module, write bench/results.json."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    results = {}
    for mod in sorted(m.name for m in pkgutil.iter_modules([str(HERE)])):
        if mod.startswith("_") or (wanted and mod not in wanted):
            continue
        module = importlib.import_module(f"bench.{mod}")
        print(f"\n== {mod}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}")
        results[mod] = module.run()
    out = HERE / "results.json"
    previous = json.loads(out.read_text()) if out.exists() and wanted else {}
    out.write_text(json.dumps({**previous, **results}, indent=2, sort_keys=True) + "\n")
    print(f"\nfigures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
