import { describe, expect, it } from "vitest";
import { ScreenError, tabletKey, tabletSource } from "./source";

function storage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
}

const KEY = "ab".repeat(32);
const SCREEN = { shop_name: "단골빵집", address: "김영자", preferred: false, showing: 2, points: 1200, stamps: 3, discounts: [], saving: 0, total: 0, marketing_consent: null };

describe("tabletKey", () => {
  it("takes the key from the QR code's fragment and keeps it for the next visit", () => {
    const s = storage();
    expect(tabletKey(`#tablet:${KEY}`, s)).toBe(KEY);
    expect(tabletKey("#tablet", s)).toBe(KEY);
  });
  it("takes nothing that is not a key", () => {
    const s = storage();
    expect(tabletKey("#tablet:<script>", s)).toBeNull();
    expect(tabletKey("#tablet:12", s)).toBeNull();
    expect(tabletKey("#tablet", s)).toBeNull();
  });
});

describe("tabletSource", () => {
  it("asks for what is new after the version it shows, with the key", async () => {
    const asked: { url: string; auth: string }[] = [];
    const answers = [
      new Response(JSON.stringify({ version: 7, screen: SCREEN }), { status: 200 }),
      new Response(null, { status: 204 }),
    ];
    const fetcher = async (url: string, init?: RequestInit) => {
      asked.push({ url, auth: (init?.headers as Record<string, string>).Authorization });
      return answers.shift()!;
    };
    const source = tabletSource(KEY, "ko", fetcher);
    expect(await source.read()).toEqual(SCREEN);
    expect(await source.read()).toBeNull();
    expect(asked.map((a) => a.url)).toEqual(["/screen/state", "/screen/state?seen=7"]);
    expect(asked.every((a) => a.auth === `Bearer ${KEY}`)).toBe(true);
  });
  it("names the trouble: a wrong key, a screen that moved on, no connection", async () => {
    const with_ = (status: number) => tabletSource(KEY, "ko", async () => new Response("{}", { status }));
    await expect(with_(401).read()).rejects.toEqual(new ScreenError("key"));
    await expect(with_(409).consent(1, true)).rejects.toEqual(new ScreenError("changed"));
    const down = tabletSource(KEY, "ko", async () => {
      throw new TypeError("network");
    });
    await expect(down.read()).rejects.toEqual(new ScreenError("offline"));
  });
  it("asks for the whole screen again after a failure, whatever it showed before", async () => {
    const asked: string[] = [];
    const answers: (() => Response)[] = [
      () => new Response(JSON.stringify({ version: 7, screen: SCREEN }), { status: 200 }),
      () => {
        throw new TypeError("network");
      },
      () => new Response(JSON.stringify({ version: 7, screen: SCREEN }), { status: 200 }),
      () => new Response("{}", { status: 503 }),
      () => new Response(JSON.stringify({ version: 7, screen: SCREEN }), { status: 200 }),
      () => new Response("{\"version\": 7, \"scr", { status: 200 }),
      () => new Response(JSON.stringify({ version: 7, screen: SCREEN }), { status: 200 }),
    ];
    const source = tabletSource(KEY, "ko", async (url) => {
      asked.push(url);
      return answers.shift()!();
    });
    expect(await source.read()).toEqual(SCREEN);
    await expect(source.read()).rejects.toEqual(new ScreenError("offline"));
    expect(await source.read()).toEqual(SCREEN);
    await expect(source.read()).rejects.toEqual(new ScreenError("offline"));
    expect(await source.read()).toEqual(SCREEN);
    await expect(source.read()).rejects.toEqual(new ScreenError("offline"));
    expect(await source.read()).toEqual(SCREEN);
    expect(asked).toEqual([
      "/screen/state",
      "/screen/state?seen=7",
      "/screen/state",
      "/screen/state?seen=7",
      "/screen/state",
      "/screen/state?seen=7",
      "/screen/state",
    ]);
  });
  it("sends the customer's answer with the showing it was given on", async () => {
    let sent = "";
    const source = tabletSource(KEY, "ko", async (_url, init) => {
      sent = String(init?.body);
      return new Response("{}", { status: 200 });
    });
    await source.consent(3, false);
    expect(JSON.parse(sent)).toEqual({ showing: 3, given: false });
  });
});
