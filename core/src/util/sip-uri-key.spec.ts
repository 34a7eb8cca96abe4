import { expect } from "chai";
import { sipUriKey } from "./sip-uri-key.js";

describe("sipUriKey", () => {
  const cases: [string, string | null][] = [
    ["sip:alice@192.0.2.10", "alice@192.0.2.10"],
    ["sip:alice@Example.COM:5060;transport=tcp", "alice@example.com"],
    ["sips:alice@example.com", "alice@example.com"],
    ["<sip:alice@example.com>", "alice@example.com"],
    ["pres:alice@example.com", "alice@example.com"],
    ["alice@example.com", "alice@example.com"],
    ["sip:alice:secret@example.com", "alice:secret@example.com"],
    ["sip:bob@[2001:db8::1]:5060", "bob@[2001:db8::1]"],
    ["sip:Alice@example.com", "Alice@example.com"],
    ["tel:+15551234", null],
    ["sip:example.com", null],
    ["mailto:a@b", null],
    ["", null],
  ];
  for (const [input, key] of cases) it(`${JSON.stringify(input)} → ${JSON.stringify(key)}`, () => expect(sipUriKey(input)).to.equal(key));
});
