import { expect } from "chai";
import { normalizeNumber } from "./normalize-number.js";

describe("normalizeNumber", () => {
  const cases: [string, string | null][] = [
    ["8000", "8000"],
    [" 80 00 ", "8000"],
    ["+8000", "8000"],
    ["tel:+80-00", "8000"],
    ["sip:8000@pbx.example", "8000"],
    ["<sips:8000@pbx.example;user=phone>", "8000"],
    ["sip:8000;phone-context=x@pbx", "8000"],
    ["(080) 00.1", "080001"],
    ["*97", "*97"],
    ["sip:voicemail@pbx", null],
    ["", null],
  ];
  for (const [input, out] of cases) it(`${JSON.stringify(input)} → ${JSON.stringify(out)}`, () => expect(normalizeNumber(input)).to.equal(out));
});
