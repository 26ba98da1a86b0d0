import { describe, expect, it } from "vitest";
import { firstMissing } from "./form";
import { dictionaries, t } from "./i18n";

describe("required fields", () => {
  const fields = (name: string, phone: string) => [
    { value: name, message: "register.nameMissing" as const },
    { value: phone, message: "register.phoneMissing" as const },
  ];

  it("names the first empty field, in order", () => {
    expect(firstMissing(fields("", ""))?.message).toBe("register.nameMissing");
    expect(firstMissing(fields("김새댁", ""))?.message).toBe("register.phoneMissing");
  });
  it("counts spaces alone as empty", () => {
    expect(firstMissing(fields("   ", "010-1234-5678"))?.message).toBe("register.nameMissing");
  });
  it("passes when every required field is filled", () => {
    expect(firstMissing(fields("김새댁", "010-1234-5678"))).toBeNull();
    expect(firstMissing([])).toBeNull();
  });
  it("explains an empty field in the cashier's language", () => {
    const miss = firstMissing(fields("", ""))!;
    expect(t("ko", miss.message)).toBe("이름을 입력해 주세요");
    expect(t("en", miss.message)).toBe("Enter the customer's name");
    expect(t("ko", "form.required", { field: t("ko", "settings.goodwill") })).toBe("‘직원 서비스 할인 한도 (원)’ 항목을 입력해 주세요");
  });
  it("has a Korean message for every *Missing key", () => {
    for (const key of Object.keys(dictionaries.ko).filter((k) => k.endsWith("Missing"))) {
      expect(dictionaries.ko[key as keyof typeof dictionaries.ko]).toMatch(/[가-힣]/);
    }
  });
});
