import { expect } from "chai";
import { XmlError, type XmlErrorCode } from "@presence-hub/core";
import { readCstaDocument } from "./csta-document.js";

function refused(input: string | Uint8Array, code: XmlErrorCode): void {
  expect(() => readCstaDocument(input))
    .to.throw(XmlError)
    .with.property("code", code);
}

describe("CSTA documents", () => {
  it("are bounded by the CSTA limits: 64 KiB, 5,000 elements, 16 KiB of text or attribute value", () => {
    refused(`<a>${"x".repeat(64 * 1024)}</a>`, "too-large");
    refused(Buffer.from(`<a>${"x".repeat(64 * 1024)}</a>`), "too-large");
    refused(`<a>${"<b/>".repeat(6000)}</a>`, "too-many-elements");
    refused(`<a>${"x".repeat(20_000)}</a>`, "text-too-long");
    refused(`<a v="${"x".repeat(20_000)}"/>`, "attribute-too-long");
    expect(readCstaDocument(`<a>${"<b/>".repeat(4000)}</a>`).children).to.have.length(4000);
  });

  it("keep the reader's defaults for depth and attributes per element", () => {
    refused("<a>".repeat(40) + "</a>".repeat(40), "too-deep");
    refused(`<a ${Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(" ")}/>`, "too-many-attributes");
  });

  it("are refused with the reader's error, DOCTYPE first", () => {
    refused('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "doctype");
    refused("<DeliveredEvent><unclosed>", "truncated");
  });
});
