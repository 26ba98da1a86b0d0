// The cart as plain data. The window edits it with these pure functions; a
// register pushing its cart later only has to produce the same shape.
import type { Cart } from "./bindings/Cart";
import type { Product } from "./bindings/Product";

export interface CartItem {
  sku: string;
  name: string;
  category: string;
  price: number;
  qty: number;
}

export const MAX_QTY = 999;

/** Adds units of a product; null when the line would pass MAX_QTY. */
export function addItem(items: CartItem[], product: Product, qty = 1): CartItem[] | null {
  const found = items.find((i) => i.sku === product.sku);
  if (found) return setQty(items, product.sku, found.qty + qty);
  if (!validQty(qty)) return null;
  return [...items, { sku: product.sku, name: product.name, category: product.category, price: product.price, qty }];
}

/** A whole number of units from 1 to MAX_QTY. */
export function validQty(qty: number): boolean {
  return Number.isInteger(qty) && qty >= 1 && qty <= MAX_QTY;
}

/** A quantity as typed ("3", " 12 "), or null for anything else ("", "abc", "0", "-3", "2.5", "1000"). */
export function parseQty(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,4}$/.test(t)) return null;
  const n = Number(t);
  return validQty(n) ? n : null;
}

/**
 * Sets a line's quantity; null when the quantity is not valid. A line is
 * never removed this way (only by removeItem), and never charged for a
 * number other than the one shown.
 */
export function setQty(items: CartItem[], sku: string, qty: number): CartItem[] | null {
  if (!validQty(qty)) return null;
  return items.map((i) => (i.sku === sku ? { ...i, qty } : i));
}

export function removeItem(items: CartItem[], sku: string): CartItem[] {
  return items.filter((i) => i.sku !== sku);
}

export function subtotal(items: CartItem[]): number {
  return items.reduce((sum, i) => sum + i.price * i.qty, 0);
}

/** The wire shape: {"lines":[{"sku":"...","qty":1}]}. */
export function toWire(items: CartItem[]): Cart {
  return { lines: items.map((i) => ({ sku: i.sku, qty: i.qty })) };
}

/** Products matching what was typed in the product field (SKU or name). */
export function matchProducts(products: Product[], query: string, limit = 6): Product[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const exact = products.filter((p) => p.sku.toLowerCase() === q || p.barcode === q);
  const rest = products.filter((p) => !exact.includes(p) && (p.sku.toLowerCase().startsWith(q) || p.name.toLowerCase().includes(q)));
  return [...exact, ...rest].slice(0, limit);
}
