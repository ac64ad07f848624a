"""Write labkit/templates/*.yaml from labkit/sample_networks.py (``--check``: only say whether they are stale).

python tools/make_templates.py          # rewrite the templates
python tools/make_templates.py --check  # exit 1 if a committed template differs from the declaration
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labkit.sample_networks import NETWORKS, template_text  # noqa: E402 - after the path set-up above

TEMPLATE_DIR = ROOT / "labkit" / "templates"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def stale() -> list[Path]:
    """Template files whose text is not what the declaration gives."""
    out = []
    for name, network in NETWORKS.items():
        path = TEMPLATE_DIR / f"{name}.yaml"
        if not path.exists() or path.read_text(encoding="utf-8") != template_text(network):
            out.append(path)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when a template is stale")
    args = parser.parse_args(argv)
    if args.check:
        paths = stale()
        for path in paths:
            print(f"{_shown(path)} is stale: run python tools/make_templates.py", file=sys.stderr)
        return 1 if paths else 0
    for name, network in NETWORKS.items():
        path = TEMPLATE_DIR / f"{name}.yaml"
        path.write_text(template_text(network), encoding="utf-8")
        print(f"wrote {_shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
