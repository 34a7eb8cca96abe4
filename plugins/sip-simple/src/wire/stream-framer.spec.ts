import { expect } from "chai";

import { parseMessage } from "./parse-message.js";
import { serializeRequest, serializeResponse } from "./serialize.js";
import { StreamFramer, type FramerEvent } from "./stream-framer.js";

function sampleStream(): { stream: Buffer; messages: Buffer[]; pings: number } {
  const common: [string, string][] = [
    ["Via", "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKx"],
    ["Max-Forwards", "70"],
    ["From", "<sip:alice@example.com>;tag=a"],
    ["To", "<sip:hub@example.com>;tag=h"],
    ["Call-ID", "stream-1"],
  ];
  const notify = (seq: number, body: string): Buffer =>
    serializeRequest({
      method: "NOTIFY",
      uri: "sip:hub@192.0.2.1;transport=tcp",
      headers: [...common, ["CSeq", `${seq} NOTIFY`], ["Event", "presence"], ["Subscription-State", "active;expires=600"], ["Content-Type", "application/pidf+xml"]],
      body,
    });
  const messages = [
    notify(1, '<presence entity="sip:alice@example.com"><note>Café ☕ im Büro — 会議中</note></presence>'),
    serializeResponse({ status: 200, headers: [...common, ["CSeq", "5 SUBSCRIBE"], ["Expires", "600"]] }),
    notify(2, ""),
    notify(3, "x".repeat(3000)),
  ];
  // Keep-alives between messages: a ping before the first, one between 2 and 3.
  const stream = Buffer.concat([Buffer.from("\r\n\r\n"), messages[0]!, messages[1]!, messages[2]!, Buffer.from("\r\n\r\n"), messages[3]!]);
  return { stream, messages, pings: 2 };
}

function run(framer: StreamFramer, chunks: Buffer[]): FramerEvent[] {
  return chunks.flatMap((c) => [...framer.push(c)]);
}

describe("StreamFramer", () => {
  it("frames a stream split at every byte position into the same messages and pings", () => {
    const { stream, messages, pings } = sampleStream();
    for (let cut = 0; cut <= stream.length; cut++) {
      const events = run(new StreamFramer(), [stream.subarray(0, cut), stream.subarray(cut)]);
      const got = events.filter((e) => e.kind === "message").map((e) => (e.kind === "message" ? e.data : Buffer.alloc(0)));
      expect(got.length, `cut ${cut}`).to.equal(messages.length);
      got.forEach((m, i) => expect(m.equals(messages[i]!), `cut ${cut} message ${i}`).to.equal(true));
      expect(events.filter((e) => e.kind === "ping").length, `cut ${cut}`).to.equal(pings);
      expect(events.some((e) => e.kind === "broken")).to.equal(false);
    }
  });

  it("frames a byte-at-a-time stream and random chunkings", () => {
    const { stream, messages } = sampleStream();
    const single = run(new StreamFramer(), [...stream].map((b) => Buffer.from([b])));
    expect(single.filter((e) => e.kind === "message")).to.have.length(messages.length);
    let seed = 7;
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; ) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const len = 1 + (seed % 400);
        chunks.push(stream.subarray(i, i + len));
        i += len;
      }
      const got = run(new StreamFramer(), chunks).filter((e) => e.kind === "message");
      expect(got.map((e) => (e.kind === "message" ? e.data.toString("hex") : ""))).to.deep.equal(messages.map((m) => m.toString("hex")));
    }
  });

  it("emitted messages parse, with the multi-byte body intact", () => {
    const { stream } = sampleStream();
    const first = run(new StreamFramer(), [stream]).find((e) => e.kind === "message");
    const parsed = first && first.kind === "message" ? parseMessage(first.data) : undefined;
    expect(parsed?.ok && parsed.message.bodyText).to.equal('<presence entity="sip:alice@example.com"><note>Café ☕ im Büro — 会議中</note></presence>');
  });

  it("reports pings (CRLFCRLF) and pongs (CRLF), including a ping split across reads", () => {
    const f = new StreamFramer();
    expect(f.push(Buffer.from("\r\n\r\n")).map((e) => e.kind)).to.deep.equal(["ping"]);
    expect(f.push(Buffer.from("\r\n")).map((e) => e.kind)).to.deep.equal(["pong"]);
    expect(f.push(Buffer.from("\r\n")).map((e) => e.kind)).to.deep.equal(["ping"]);
    expect(f.push(Buffer.from("\r\n\r\n\r\n")).map((e) => e.kind)).to.deep.equal(["ping", "pong"]);
  });

  it("handles LF-only messages and a missing Content-Length (treated as 0)", () => {
    const lines = ["OPTIONS sip:a@b SIP/2.0", "Via: SIP/2.0/TCP h;branch=z9hG4bK1", "Max-Forwards: 70", "From: <sip:x@y>;tag=1", "To: <sip:a@b>"];
    const msg = Buffer.from([...lines, "Call-ID: c", "CSeq: 1 OPTIONS", "", ""].join("\n"));
    const events = run(new StreamFramer(), [Buffer.concat([msg, msg])]);
    expect(events.filter((e) => e.kind === "message")).to.have.length(2);
  });

  it("breaks the stream on oversized headers or bodies and on bad Content-Length", () => {
    const broken = (chunks: Buffer[], options = {}) => {
      const events = run(new StreamFramer(options), chunks);
      const last = events[events.length - 1];
      return last?.kind === "broken" ? last.error.reason : undefined;
    };
    expect(broken([Buffer.from("OPTIONS sip:a@b SIP/2.0\r\nX: " + "a".repeat(2000))], { maxHeaderBytes: 1024 })).to.equal("header-too-large");
    expect(broken([Buffer.from("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n")], { maxBodyBytes: 4096 })).to.equal("body-too-large");
    expect(broken([Buffer.from("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n")])).to.equal("bad-content-length");
    expect(broken([Buffer.from("OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab")])).to.equal("bad-content-length");
    const f = new StreamFramer({ maxHeaderBytes: 100 });
    f.push(Buffer.from("X".repeat(200)));
    expect(f.push(Buffer.from("\r\n\r\n"))).to.have.length(0); // dead after breaking
  });
});
