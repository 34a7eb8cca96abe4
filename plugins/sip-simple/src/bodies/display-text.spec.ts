import { expect } from "chai";
import { sanitizeDisplayText } from "./display-text.js";

describe("sanitizeDisplayText", () => {
  it("trims, collapses whitespace and replaces control and bidi characters", () => {
    expect(sanitizeDisplayText("  In a\r\n meeting\u0007 \u202Euntil 3\u2069 ")).to.equal("In a meeting until 3");
  });

  it("returns undefined when nothing is left", () => {
    expect(sanitizeDisplayText(" \t\u0000 ")).to.equal(undefined);
  });

  it("caps by code points without splitting a surrogate pair", () => {
    expect(sanitizeDisplayText("😀😀😀", 2)).to.equal("😀😀");
    expect(sanitizeDisplayText("abc def", 4)).to.equal("abc");
  });
});
