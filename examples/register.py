#!/usr/bin/env python3
"""A register talking to Dangol's local API (docs/register-api.md).

The register identifies the customer the cashier asked for, shows who they
are, and asks what its cart is owed before payment. Python's standard
library only: copy it into any register's tooling.

    dangol serve --db shop.db --token-file ~/.dangol/api.token &
    python3 examples/register.py --token-file ~/.dangol/api.token 1004 SALT:2 AMR:1
"""
import argparse
import json
import sys
import urllib.error
import urllib.request


class Dangol:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        req.add_header("Accept-Language", "en")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            # Every refusal is application/problem+json with a stable type.
            problem = json.load(e)
            raise SystemExit(f"{problem['type']}: {problem['detail']}")

    def search(self, query):
        return self.call("GET", "/v1/customers?" + urllib.parse.urlencode({"q": query}))

    def card(self, customer_id):
        return self.call("GET", f"/v1/customers/{customer_id}")

    def quote(self, customer_id, lines):
        return self.call("POST", "/v1/quote", {"customer": customer_id, "lines": lines})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:7300")
    p.add_argument("--token-file", required=True)
    p.add_argument("customer", help="last 4 digits, a phone, a name or a card code")
    p.add_argument("lines", nargs="+", help="SKU:QTY")
    a = p.parse_args()
    with open(a.token_file) as f:
        api = Dangol(a.url, f.read().strip())
    found = api.search(a.customer)["hits"]
    if not found:
        sys.exit(f"no customer matches {a.customer!r}")
    who = found[0]
    card = api.card(who["id"])
    print(f"{card['name']} ({card['phone_masked']}), {card['visits']} visits, {card['points']} points")
    lines = [{"sku": s, "qty": int(q)} for s, q in (l.split(":") for l in a.lines)]
    quote = api.quote(who["id"], lines)
    for d in quote["eligible"]:
        mark = "applied" if d["applied"] else "optional" if d["optional"] else "not applied"
        print(f"  {d['name']}: -{d['saving']} won ({mark})")
    for s in quote["suggestions"]:
        print(f"  say: {s['text']}")
    best = quote["best"]
    print(f"subtotal {quote['subtotal']} won, best {best['total']} won (saves {best['saving']})")


if __name__ == "__main__":
    import urllib.parse

    main()
