import { describe, expect, it } from "vitest";
import type { Product } from "./bindings/Product";
import { addItem, matchProducts, removeItem, setQty, subtotal, toWire } from "./cart";

const salt: Product = { sku: "SALT", barcode: "8801234000008", name: "소금빵", category: "베이커리", price: 3200 };
const amr: Product = { sku: "AMR", barcode: "8801234000001", name: "아메리카노", category: "음료", price: 4500 };

describe("cart", () => {
  it("adds, merges and totals lines", () => {
    let c = addItem([], salt);
    c = addItem(c, amr);
    c = addItem(c, salt, 2);
    expect(c.map((i) => [i.sku, i.qty])).toEqual([["SALT", 3], ["AMR", 1]]);
    expect(subtotal(c)).toBe(3 * 3200 + 4500);
    expect(toWire(c)).toEqual({ lines: [{ sku: "SALT", qty: 3 }, { sku: "AMR", qty: 1 }] });
  });
  it("caps quantities and removes lines set to zero", () => {
    let c = addItem([], salt);
    c = setQty(c, "SALT", 5000);
    expect(c[0].qty).toBe(999);
    expect(setQty(c, "SALT", 0)).toEqual([]);
    expect(setQty(c, "SALT", Number.NaN)).toEqual([]);
    expect(removeItem(c, "SALT")).toEqual([]);
  });
  it("finds products by SKU, barcode or name", () => {
    const all = [salt, amr];
    expect(matchProducts(all, "amr")[0].sku).toBe("AMR");
    expect(matchProducts(all, "8801234000008")[0].sku).toBe("SALT");
    expect(matchProducts(all, "소금")[0].sku).toBe("SALT");
    expect(matchProducts(all, "  ")).toEqual([]);
  });
});
