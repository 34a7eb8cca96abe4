import { expect } from "chai";
import { readFileSync } from "node:fs";
import { type MultipartPart, normalizeContentId, splitMultipart } from "./multipart.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test-fixtures/bodies/${name}`, import.meta.url));

function parts(body: string | Buffer, boundary: string, limits?: Parameters<typeof splitMultipart>[2]): readonly MultipartPart[] {
  const r = splitMultipart(typeof body === "string" ? Buffer.from(body, "latin1") : body, boundary, limits);
  if (!r.ok) throw new Error(`unexpected: ${r.reason}`);
  return r.parts;
}

function refused(body: string, boundary: string, limits?: Parameters<typeof splitMultipart>[2]): string {
  const r = splitMultipart(Buffer.from(body, "latin1"), boundary, limits);
  expect(r.ok).to.equal(false);
  return r.ok ? "" : r.reason;
}

describe("splitMultipart", () => {
  it("splits Kamailio's RLS body: headers, Content-ID without brackets, body bytes", () => {
    const p = parts(fixture("kamailio-rls-partial.multipart"), "RlsBoundary7Qk2Zt0");
    expect(p.map((x) => [x.contentType, x.contentId])).to.deep.equal([
      ['application/rlmi+xml;charset="UTF-8"', "1718000001.sip:buddies@127.0.0.1.1957747793"],
      ["application/pidf+xml", "1718000001.sip:alice@127.0.0.1.1681692777"],
      ["application/pidf+xml", "1718000001.sip:bob@127.0.0.1.846930886"],
    ]);
    expect(p[0]!.headers.get("content-transfer-encoding")).to.equal("binary");
    expect(p[0]!.body.toString().startsWith('<?xml version="1.0"?>\n<list')).to.equal(true);
    // Kamailio ends each part with an extra CRLF; only the one before the delimiter is removed.
    expect(p[1]!.body.toString().endsWith("</presence>\r\n")).to.equal(true);
  });

  it("tolerates LF-only line ends, a preamble, an epilogue and transport padding", () => {
    const body = "preamble\n--b  \nContent-Type: text/plain\n\nhello\n--b\n\nno headers\n--b--\nepilogue";
    const p = parts(body, "b");
    expect(p.map((x) => [x.contentType, x.body.toString()])).to.deep.equal([
      ["text/plain", "hello"],
      [null, "no headers"],
    ]);
  });

  it("keeps binary bodies intact, including a line that starts with the boundary string", () => {
    const bin = Buffer.concat([Buffer.from("--b\r\nContent-Type: application/octet-stream\r\n\r\n"), Buffer.from([0, 255, 13, 10, 45, 45, 98]), Buffer.from(" x--b\r\n--b--\r\n")]);
    const p = parts(bin, "b");
    expect([...p[0]!.body]).to.deep.equal([0, 255, 13, 10, 45, 45, 98, 32, 120, 45, 45, 98]);
  });

  it("unfolds folded header lines and keeps the first of repeated headers", () => {
    const p = parts("--b\r\nContent-Type: application/pidf+xml;\r\n charset=UTF-8\r\nContent-ID: <a>\r\nContent-ID: <b>\r\n\r\nx\r\n--b--", "b");
    expect(p[0]!.contentType).to.equal("application/pidf+xml; charset=UTF-8");
    expect(p[0]!.contentId).to.equal("a");
  });

  it("decodes base64 parts and accepts empty bodies", () => {
    const p = parts("--b\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--b\r\nContent-Type: text/plain\r\n\r\n\r\n--b--\r\n", "b");
    expect(p[0]!.body.toString()).to.equal("hello");
    expect(p[1]!.body.length).to.equal(0);
  });

  it("refuses a body without its closing boundary (cut by the MTU or a bad Content-Length)", () => {
    const whole = fixture("kamailio-rls-partial.multipart").toString("latin1");
    expect(refused(whole.slice(0, whole.length - 30), "RlsBoundary7Qk2Zt0")).to.equal("no closing boundary");
  });

  it("refuses bodies with no boundary or a wrong boundary; a line that only starts with the boundary is content", () => {
    expect(refused("just text", "b")).to.equal("no boundary line");
    expect(refused("--other\r\n\r\nx\r\n--other--", "b")).to.equal("no boundary line");
    expect(refused("--bx\r\n\r\nx\r\n--bx--", "b")).to.equal("no boundary line");
    expect(parts("--b\r\n\r\n--bx\r\n--b--", "b")[0]!.body.toString()).to.equal("--bx");
    expect(refused("--b\r\n\r\nx", "")).to.match(/1 to 70/);
  });

  it("refuses too many parts, oversized headers, bad headers and unknown transfer encodings", () => {
    const many = `${Array.from({ length: 5 }, () => "--b\r\n\r\nx\r\n").join("")}--b--`;
    expect(refused(many, "b", { maxParts: 4 })).to.match(/more than 4 parts/);
    expect(refused(`--b\r\nX-Big: ${"y".repeat(200)}\r\n\r\nx\r\n--b--`, "b", { maxHeaderBytes: 100 })).to.match(/headers exceed/);
    expect(refused("--b\r\nno colon here\r\n\r\nx\r\n--b--", "b")).to.equal("malformed part header");
    expect(refused("--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nx\r\n--b--", "b")).to.match(/quoted-printable/);
  });
});

describe("normalizeContentId", () => {
  it("strips angle brackets and the cid: scheme", () => {
    expect(normalizeContentId(" <abc@host> ")).to.equal("abc@host");
    expect(normalizeContentId("cid:abc@host")).to.equal("abc@host");
    expect(normalizeContentId("abc@host")).to.equal("abc@host");
  });
});
