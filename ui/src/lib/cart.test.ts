import { describe, expect, it } from "vitest";
import type { Product } from "./bindings/Product";
import { addItem, matchProducts, parseQty, removeItem, setQty, subtotal, toWire } from "./cart";

const salt: Product = { sku: "SALT", barcode: "8801234000008", name: "소금빵", category: "베이커리", price: 3200 };
const amr: Product = { sku: "AMR", barcode: "8801234000001", name: "아메리카노", category: "음료", price: 4500 };

describe("cart", () => {
  it("adds, merges and totals lines", () => {
    let c = addItem([], salt)!;
    c = addItem(c, amr)!;
    c = addItem(c, salt, 2)!;
    expect(c.map((i) => [i.sku, i.qty])).toEqual([["SALT", 3], ["AMR", 1]]);
    expect(subtotal(c)).toBe(3 * 3200 + 4500);
    expect(toWire(c)).toEqual({ lines: [{ sku: "SALT", qty: 3 }, { sku: "AMR", qty: 1 }] });
  });
  it("never deletes a line or charges another number than the one typed", () => {
    const c = addItem([], salt)!;
    for (const bad of [0, -3, 1000, 5000, 2.5, Number.NaN]) {
      expect(setQty(c, "SALT", bad), `qty ${bad}`).toBeNull();
    }
    expect(setQty(c, "SALT", 999)![0].qty).toBe(999);
    expect(addItem(setQty(c, "SALT", 999)!, salt)).toBeNull();
    expect(removeItem(c, "SALT")).toEqual([]);
  });
  it("parses only whole quantities from 1 to 999", () => {
    expect(["3", " 12 ", "999"].map(parseQty)).toEqual([3, 12, 999]);
    for (const bad of ["", "abc", "0", "-3", "2.5", "1000", "1e2", "12a"]) {
      expect(parseQty(bad), bad).toBeNull();
    }
  });
  it("finds products by SKU, barcode or name", () => {
    const all = [salt, amr];
    expect(matchProducts(all, "amr")[0].sku).toBe("AMR");
    expect(matchProducts(all, "8801234000008")[0].sku).toBe("SALT");
    expect(matchProducts(all, "소금")[0].sku).toBe("SALT");
    expect(matchProducts(all, "  ")).toEqual([]);
  });
});
