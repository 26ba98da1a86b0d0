#!/usr/bin/env python3
"""A register talking to Dangol's local API (docs/register-api.md).

The register identifies the customer the cashier asked for, shows who they
are, pushes its cart and reads what it is owed before payment, then
reports the paid sale under an Idempotency-Key (and sends it again, as a
register does when an answer is lost: it is recorded once). Python's
standard library only: copy it into any register's tooling.

    dangol serve --db shop.db --token-file ~/.dangol/api.token &
    python3 examples/register.py --token-file ~/.dangol/api.token 1004 MILKBREAD:1 SALT:2
"""
import argparse
import json
import sys
import urllib.error
import time
import urllib.request
import uuid


class Dangol:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, key=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        req.add_header("Accept-Language", "en")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if key is not None:
            req.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                answer = json.load(r)
                answer_replayed = r.headers.get("Idempotent-Replayed") == "true"
                return (answer, answer_replayed) if key is not None else answer
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

    def push_cart(self, register, revision, customer_id, lines):
        body = {"revision": revision, "customer": customer_id, "lines": lines}
        return self.call("PUT", f"/v1/carts/{register}", body)

    def report_sale(self, key, body):
        """Records the paid sale; the same key and body again is a retry."""
        return self.call("POST", "/v1/sales", body, key=key)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:7300")
    p.add_argument("--register", default="till-1", help="this register's name")
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
    # Each change of the cart is pushed whole, with a higher revision; the
    # counter window shows it and the answer carries the quote.
    # Revisions only go up, across carts: the time in milliseconds will do.
    quote = api.push_cart(a.register, int(time.time() * 1000), who["id"], lines)["quote"]
    for d in quote["eligible"]:
        mark = "applied" if d["applied"] else "optional" if d["optional"] else "not applied"
        print(f"  {d['name']}: -{d['saving']} won ({mark})")
    for s in quote["suggestions"]:
        print(f"  say: {s['text']}")
    chosen = quote["selected"]
    print(f"subtotal {quote['subtotal']} won, to pay {chosen['total']} won (saves {chosen['saving']})")
    # Paid: report the sale once, under a key made for it.
    key = str(uuid.uuid4())
    sale = {"customer": who["id"], "lines": lines, "apply": chosen["rule_ids"], "register": a.register}
    receipt, _ = api.report_sale(key, sale)
    print(f"sale {receipt['sale_id']}: {receipt['total']} won, {receipt['points_earned']} points earned")
    # The answer is lost, say: the same key and body again is not a second sale.
    again, replayed = api.report_sale(key, sale)
    if not replayed or again["sale_id"] != receipt["sale_id"]:
        sys.exit("a retried sale was recorded twice")
    print("retried with the same key: the same sale, recorded once")


if __name__ == "__main__":
    import urllib.parse

    main()
