"""Write docs/readonly-policy.json: the minimal read-only IAM policy for `labkit reach` on a real account.

The policy is generated from the importer's one list of calls (``labkit.vpc.importer.IMPORTER_CALLS``, via
``minimal_read_only_policy()``); tests/test_readonly_policy.py fails when the file is stale.

    python tools/make_readonly_policy.py          # rewrite the file
    python tools/make_readonly_policy.py --check  # exit 1 when it is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "readonly-policy.json"


def policy_text() -> str:
    from labkit.vpc.importer import minimal_read_only_policy

    return json.dumps(minimal_read_only_policy(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    text = policy_text()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python tools/make_readonly_policy.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
