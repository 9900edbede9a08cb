"""A client of the HA address: creates subscribers one after another and writes
each attempt as a JSON line (time, name, ok, detail) until the stop file exists.
A write takes milliseconds, so a request gives up after 2 s and is retried
under a new name (as an impatient client would).

usage: ha_writer.py URL CA_FILE TOKEN SERVICE_PROVIDER PREFIX OUT STOPFILE
Run on the installer's side of the test network (ip netns exec).
"""

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request


def main():
    url, ca, token, sp, prefix, out, stop = sys.argv[1:8]
    context = ssl.create_default_context(cafile=ca)
    n = 0
    with open(out, "a", buffering=1) as log:
        while not os.path.exists(stop):
            n += 1
            name = f"{prefix}{n:06d}"
            body = json.dumps({"name": name, "pin": "1234"}).encode()
            req = urllib.request.Request(  # noqa: S310 - https only, from the test
                f"{url}/ecf/api/subscriber/{sp}",
                data=body,
                method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            started = time.time()
            try:
                with urllib.request.urlopen(req, timeout=2, context=context) as res:  # noqa: S310
                    doc = json.loads(res.read())
                ok = doc.get("meta", {}).get("code") == 200
                detail = "" if ok else json.dumps(doc)[:300]
            except (OSError, ValueError, urllib.error.HTTPError) as exc:
                ok, detail = False, f"{exc.__class__.__name__}: {exc}"[:300]
            log.write(
                json.dumps(
                    {"t": started, "done": time.time(), "name": name, "ok": ok, "detail": detail}
                )
                + "\n"
            )
            if not ok:
                time.sleep(0.1)


if __name__ == "__main__":
    main()
