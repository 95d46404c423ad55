#!/usr/bin/env bash
# Build the portal's vendored front-end assets into static/ (committed, so no
# Node is needed at run time). Run from anywhere; idempotent.
#
#   bash scripts/build_assets.sh
#
# Outputs:
#   static/govuk/portal.css              GOV.UK Frontend + portal styles, no GDS Transport font
#   static/govuk/govuk-frontend.min.js   GOV.UK Frontend ES module build
#   static/govuk/assets/...              component images, minus GOV.UK-only branding (none in 6.6.0)
#   static/govuk/LICENSE.txt
#   static/vendor/plotly-basic.min.js    plotly.js partial bundle (scatter, bar, pie) from npm
#   static/vendor/plotly-LICENSE.txt
#
# Needs: node + npm (registry access for `npm ci`); a Python with plotly installed
# (.venv/bin/python by default; override with PYTHON=...) to check the bundle's version
# matches the one the wheel's figures are built for.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ASSETS="$ROOT/assets"
STATIC="$ROOT/static"
GOVUK_OUT="$STATIC/govuk"
VENDOR_OUT="$STATIC/vendor"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

log() { printf '[build_assets] %s\n' "$*"; }

# --- 1. npm dependencies ----------------------------------------------------
cd "$ASSETS"
if [[ -f package-lock.json ]]; then
  log "npm ci"
  npm ci --no-audit --no-fund --ignore-scripts
else
  log "npm install (no package-lock.json)"
  npm install --no-audit --no-fund --ignore-scripts
fi

GOVUK_DIST="$ASSETS/node_modules/govuk-frontend/dist/govuk"
[[ -d "$GOVUK_DIST" ]] || { echo "govuk-frontend not installed at $GOVUK_DIST" >&2; exit 1; }

mkdir -p "$GOVUK_OUT" "$VENDOR_OUT"

# --- 2. Sass -> static/govuk/portal.css ----------------------------------------
log "compiling scss/portal.scss"
"$ASSETS/node_modules/.bin/sass" \
  --load-path="$ASSETS/node_modules" \
  --style=compressed \
  --no-source-map \
  "$ASSETS/scss/portal.scss" "$GOVUK_OUT/portal.css"

if grep -qi 'gds transport\|woff' "$GOVUK_OUT/portal.css"; then
  echo "portal.css still references the GDS Transport font; check assets/scss/portal.scss" >&2
  exit 1
fi

# --- 3. GOV.UK Frontend JavaScript (ES module) ---------------------------------
# Drop the sourceMappingURL comment: we don't ship the .map, and Django's
# ManifestStaticFilesStorage fails collectstatic on a missing source map.
log "copying govuk-frontend.min.js"
sed -e 's|//# sourceMappingURL=[^[:space:]]*||' \
  "$GOVUK_DIST/govuk-frontend.min.js" > "$GOVUK_OUT/govuk-frontend.min.js"

# --- 4. GOV.UK Frontend images --------------------------------------------------
# Copy only images that the compiled CSS actually references, and never the
# GOV.UK-only branding (crown logo, royal crest, GOV.UK favicons/app icons,
# opengraph image). No fonts: we don't use GDS Transport.
is_govuk_branding() {
  case "$1" in
    *crown*|*crest*|favicon*|govuk-*|*opengraph*) return 0 ;;
    *) return 1 ;;
  esac
}

log "copying component images"
rm -rf "$GOVUK_OUT/assets"
mkdir -p "$GOVUK_OUT/assets/images"
copied=()
for src in "$GOVUK_DIST"/assets/images/*; do
  [[ -f "$src" ]] || continue
  name="$(basename "$src")"
  if ! grep -q "/static/govuk/assets/images/$name" "$GOVUK_OUT/portal.css"; then
    continue   # not used by any component style
  fi
  if is_govuk_branding "$name"; then
    log "  skipping GOV.UK branding image: $name"
    continue
  fi
  cp "$src" "$GOVUK_OUT/assets/images/$name"
  copied+=("images/$name")
done
rmdir "$GOVUK_OUT/assets/images" 2>/dev/null || true

# manifest.json: keep only icons we actually ship. In 6.6.0 every icon is a
# GOV.UK crown icon, so no manifest is written (use our own static/favicon.svg).
if [[ -f "$GOVUK_DIST/assets/manifest.json" ]]; then
  COPIED="${copied[*]:-}" node -e '
    const fs = require("fs");
    const [src, dest] = process.argv.slice(1);
    const keep = new Set((process.env.COPIED || "").split(" ").filter(Boolean));
    const manifest = JSON.parse(fs.readFileSync(src, "utf8"));
    manifest.icons = (manifest.icons || []).filter((icon) => keep.has(icon.src));
    if (manifest.icons.length) {
      fs.writeFileSync(dest, JSON.stringify(manifest, null, 2) + "\n");
    } else {
      console.log("[build_assets]   manifest.json lists only GOV.UK icons: not copied");
    }
  ' "$GOVUK_DIST/assets/manifest.json" "$GOVUK_OUT/assets/manifest.json"
fi
rmdir "$GOVUK_OUT/assets" 2>/dev/null || true

# --- 5. GOV.UK Frontend licence (not shipped inside the npm package) ----------
cat > "$GOVUK_OUT/LICENSE.txt" <<'EOF'
GOV.UK Frontend (https://github.com/alphagov/govuk-frontend)
Files: static/govuk/govuk-frontend.min.js, static/govuk/portal.css (compiled from its Sass)

The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF

# --- 6. plotly.js: the smallest published bundle that draws the portal's charts -------------
# Every chart the portal draws is a scatter trace (markers and lines) with layout shapes, so
# the "basic" partial bundle (scatter, bar, pie; no maps, no WebGL) is enough: 1.2 MB
# (0.4 MB gzipped) where the full bundle is 4.8 MB (1.5 MB). Its version follows the plotly
# Python wheel's plotly.js, which charts.py builds figures for.
PLOTLY_PKG="$ASSETS/node_modules/plotly.js-basic-dist-min"
[[ -f "$PLOTLY_PKG/plotly-basic.min.js" ]] || { echo "plotly.js-basic-dist-min not installed" >&2; exit 1; }
log "copying plotly-basic.min.js"
rm -f "$VENDOR_OUT/plotly.min.js"
cp "$PLOTLY_PKG/plotly-basic.min.js" "$VENDOR_OUT/plotly-basic.min.js"
cp "$PLOTLY_PKG/LICENSE" "$VENDOR_OUT/plotly-LICENSE.txt"
PLOTLY_JS_VERSION="$(head -c 200 "$VENDOR_OUT/plotly-basic.min.js" | grep -o 'plotly.js (basic - minified) v[0-9.]*\|plotly.js v[0-9.]*' || true)"
if [[ -x "$PYTHON" ]]; then
  WHEEL_JS="$("$PYTHON" -c 'import plotly, pathlib; p = pathlib.Path(plotly.__file__).parent / "package_data" / "plotly.min.js"; print(p.read_text()[:200])' | grep -o 'v[0-9.]*' | head -n 1 || true)"
  BASIC_JS="$(node -p 'require("plotly.js-basic-dist-min/package.json").version')"
  if [[ -n "$WHEEL_JS" && "$WHEEL_JS" != "v$BASIC_JS" ]]; then
    echo "plotly.js-basic-dist-min $BASIC_JS differs from the plotly wheel's plotly.js $WHEEL_JS: pin the same version in assets/package.json" >&2
    exit 1
  fi
fi

# --- 7. Guard: no GOV.UK crown/crest imagery anywhere in static/ -----------------
if find "$STATIC" -type f \( -iname '*crown*' -o -iname '*crest*' -o -iname 'govuk-icon*' \
       -o -iname 'govuk-opengraph*' -o -iname '*.woff' -o -iname '*.woff2' \) | grep -q .; then
  echo "GOV.UK-only branding or font files found under static/:" >&2
  find "$STATIC" -type f \( -iname '*crown*' -o -iname '*crest*' -o -iname 'govuk-icon*' \
       -o -iname 'govuk-opengraph*' -o -iname '*.woff' -o -iname '*.woff2' \) >&2
  exit 1
fi

log "done (govuk-frontend $(node -p 'require("./node_modules/govuk-frontend/package.json").version'), ${PLOTLY_JS_VERSION:-plotly.js ?})"
( cd "$ROOT" && ls -l static/govuk/portal.css static/govuk/govuk-frontend.min.js static/vendor/plotly-basic.min.js )
