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

export function addItem(items: CartItem[], product: Product, qty = 1): CartItem[] {
  const found = items.find((i) => i.sku === product.sku);
  if (found) return setQty(items, product.sku, found.qty + qty);
  return [...items, { sku: product.sku, name: product.name, category: product.category, price: product.price, qty: Math.min(Math.max(qty, 1), MAX_QTY) }];
}

/** Sets a line's quantity; 0 or less removes it. */
export function setQty(items: CartItem[], sku: string, qty: number): CartItem[] {
  if (!Number.isFinite(qty) || qty <= 0) return items.filter((i) => i.sku !== sku);
  return items.map((i) => (i.sku === sku ? { ...i, qty: Math.min(Math.trunc(qty), MAX_QTY) } : i));
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
