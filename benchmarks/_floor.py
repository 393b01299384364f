"""The floor of the gather benchmark: fetch and parse the same lists with the standard library only.

    python benchmarks/_floor.py SERVER_URL TOKEN CA_FILE PATH...

Keep-alive HTTPS connections (one per worker thread), `limit=500` + `continue` pagination, `json.loads`
of each page, and every item kept in memory (a diagnosis tool must hold what it analyzes). Nothing
else: no kubeconfig parsing, no models, no analysis. Prints the number of items.
"""

from __future__ import annotations

import http.client
import json
import ssl
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

LIMIT = 500
WORKERS = 8


def main() -> int:
    server, token, ca_file, *paths = sys.argv[1:]
    url = urllib.parse.urlsplit(server)
    context = ssl.create_default_context(cafile=ca_file)
    local = threading.local()

    def connection() -> http.client.HTTPSConnection:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPSConnection(url.hostname, url.port, context=context, timeout=120)
        return local.conn

    def fetch(path: str) -> list[dict]:
        items: list[dict] = []
        query = {"limit": LIMIT}
        while True:
            conn = connection()
            conn.request(
                "GET",
                f"{path}?{urllib.parse.urlencode(query)}",
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            )
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                return items
            page = json.loads(body)
            items.extend(page.get("items") or [])
            token_ = (page.get("metadata") or {}).get("continue")
            if not token_:
                return items
            query["continue"] = token_

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        lists = list(pool.map(fetch, paths))
    print(sum(len(items) for items in lists))
    return 0


if __name__ == "__main__":
    sys.exit(main())
