// The browser's own validation bubble speaks the system's language, not the
// cashier's: every form in the window is `novalidate`, no field relies on
// native constraints, and each form names an empty field itself.
import { describe, expect, it } from "vitest";

/** An opening tag, reading through {expressions} (which may hold "=>"). */
const tag = (names: string) => new RegExp(`<(?:${names})\\b(?:[^>{]|\\{(?:[^{}]|\\{[^{}]*\\})*\\})*>`, "g");

const sources = import.meta.glob<string>("./**/*.svelte", { query: "?raw", import: "default", eager: true });

describe("forms validate in the cashier's language", () => {
  it("finds the window's components", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
  });

  it.each(Object.entries(sources))("%s: every form is novalidate", (_, text) => {
    for (const form of text.match(tag("form")) ?? []) expect(form).toMatch(/\bnovalidate\b/);
  });

  it.each(Object.entries(sources))("%s: no native constraint would raise the browser's bubble", (_, text) => {
    const markup = text.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<style[\s\S]*?<\/style>/g, "");
    for (const field of markup.match(tag("input|textarea|select")) ?? []) {
      expect(field).not.toMatch(/\s(required|pattern|min|max|minlength|maxlength|step)(=|\s|\/?>)/);
      expect(field).not.toMatch(/type="(email|url|number|date|tel)"/);
    }
  });
});
