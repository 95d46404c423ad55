"""Tiny local server for checking the portal's static assets under our CSP.

    python tests/assets_check/serve.py [--port 8765]

Serves, on 127.0.0.1 only:
  /static/...        -> <repo>/static/...
  /chart_demo.html   -> tests/assets_check/chart_demo.html

Every response carries a Content-Security-Policy header. The style-src part is
picked with ?policy=NAME on the page URL (sub-resources don't need it):
  strict      the baseline policy: style-src 'self'
  emptyhash   style-src 'self' + the hash of the empty string (the minimum for charts)
  portal      emptyhash + the hash of plotly's bundled MapLibre CSS, and img-src blob:
              (the portal's policy)
  unsafe      style-src 'self' 'unsafe-inline'
Default: portal. See assets/CSP-NOTES.md.
"""

import argparse
import http.server
import os
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# sha256 of "" (the empty <style> elements plotly.js creates, then fills via CSSOM)
EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
# sha256 of the MapLibre CSS that plotly.js 4.1.1 (plotly 7.1.0 wheel) injects on load
MAPLIBRE_STYLE_HASH = "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"

STYLE_SRC = {
    "strict": "style-src 'self'",
    "emptyhash": "style-src 'self' " + EMPTY_STYLE_HASH,
    "portal": "style-src 'self' " + EMPTY_STYLE_HASH + " " + MAPLIBRE_STYLE_HASH,
    "unsafe": "style-src 'self' 'unsafe-inline'",
}


def policy(name):
    # "portal" also allows blob: images: plotly draws "Download plot as a png" via a blob: URL.
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'nonce-XYZ'",
            STYLE_SRC[name],
            "img-src 'self' data: blob:" if name == "portal" else "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=ROOT, **kwargs)

    def translate_path(self, path):
        p = urlsplit(path).path
        if p in ("/", "/chart_demo.html"):
            return os.path.join(HERE, "chart_demo.html")
        if p == "/favicon.ico":
            return os.path.join(ROOT, "static", "favicon.svg")
        if p.startswith("/static/"):
            return super().translate_path(path)
        return os.path.join(ROOT, "does-not-exist")

    def end_headers(self):
        query = parse_qs(urlsplit(self.path).query)
        name = query.get("policy", ["portal"])[0]
        self.send_header("Content-Security-Policy", policy(name if name in STYLE_SRC else "portal"))
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


Handler.extensions_map = {
    **Handler.extensions_map,
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"serving {ROOT} on http://127.0.0.1:{args.port}/chart_demo.html", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
