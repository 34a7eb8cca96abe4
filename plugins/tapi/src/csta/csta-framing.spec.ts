import { expect } from "chai";
import { encodeFrame, FrameDecoder, FramingError, type CstaFrame } from "./csta-framing.js";

const A = '<?xml version="1.0"?><MonitorStartResponse><monitorCrossRefID>7</monitorCrossRefID></MonitorStartResponse>';
const B = "<DeliveredEvent><monitorCrossRefID>7</monitorCrossRefID><note>é€</note></DeliveredEvent>";

const texts = (frames: CstaFrame[]) => frames.map((f) => `${f.invokeId}:${f.payload.toString("utf8")}`);

describe("CSTA framing", () => {
  it("length-header: the 8-byte header is indicator 0, total length (header included), 4-digit invoke id", () => {
    const f = encodeFrame("length-header", "0042", "<a/>");
    expect([...f.subarray(0, 8)]).to.deep.equal([0, 0, 0, 12, 0x30, 0x30, 0x34, 0x32]);
    expect(f.subarray(8).toString()).to.equal("<a/>");
    // A hand-built frame as a switch sends it (invoke id 9999 on events) decodes the same.
    const body = Buffer.from(B, "utf8");
    const handmade = Buffer.concat([Buffer.from([0, 0, (body.length + 8) >> 8, (body.length + 8) & 0xff]), Buffer.from("9999"), body]);
    expect(texts(new FrameDecoder("length-header").push(handmade))).to.deep.equal([`9999:${B}`]);
  });

  for (const framing of ["length-header", "nul-terminated"] as const) {
    it(`${framing}: two messages split at every byte position decode identically`, () => {
      const stream = Buffer.concat([encodeFrame(framing, "0001", A), encodeFrame(framing, "9999", B)]);
      const id = (s: string) => (framing === "length-header" ? s : "null");
      const expected = [`${id("0001")}:${A}`, `${id("9999")}:${B}`];
      for (let cut = 0; cut <= stream.length; cut++) {
        const d = new FrameDecoder(framing);
        const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
        expect(texts(got), `cut at ${cut}`).to.deep.equal(expected);
        expect(d.pending).to.equal(0);
      }
      // And byte by byte.
      const d = new FrameDecoder(framing);
      const got: CstaFrame[] = [];
      for (const byte of stream) got.push(...d.push(Buffer.from([byte])));
      expect(texts(got)).to.deep.equal(expected);
    });
  }

  it("length-header: an impossible header is a FramingError (the stream cannot resynchronise)", () => {
    expect(() => new FrameDecoder("length-header").push(Buffer.from("<?xml version"))).to.throw(FramingError, /format indicator/);
    expect(() => new FrameDecoder("length-header").push(Buffer.from([0, 0, 0, 5, 0x30, 0x30, 0x30, 0x30]))).to.throw(FramingError, /shorter than the header/);
    expect(() => new FrameDecoder("length-header", 1000).push(Buffer.from([0, 0, 0x10, 0, 0x30]))).to.throw(FramingError, /exceeds/);
    expect(() => encodeFrame("length-header", "12", "<a/>")).to.throw(FramingError);
    expect(() => encodeFrame("length-header", "0001", "x".repeat(70_000))).to.throw(FramingError, /limit/);
  });

  it("length-header: a SOAP-enveloped message (indicator 1) is delivered with its indicator, to be skipped", () => {
    const f = encodeFrame("length-header", "0001", "<a/>");
    f[1] = 1;
    expect(new FrameDecoder("length-header").push(f)[0]!.format).to.equal(1);
  });

  it("nul-terminated: whitespace between messages is ignored, an over-long message is dropped up to its terminator", () => {
    const d = new FrameDecoder("nul-terminated", 16);
    expect(texts(d.push(Buffer.from("\r\n<a/>\0  \n\0")))).to.deep.equal(["null:<a/>"]);
    expect(d.push(Buffer.from("<b>" + "x".repeat(40)))).to.deep.equal([]);
    expect(texts(d.push(Buffer.from("yy</b>\0<c/>\0")))).to.deep.equal(["null:<c/>"]);
    expect(d.discarded).to.equal(1);
  });

  it("nul-terminated: whitespace padding counts towards the frame limit, however the frame arrives (found by the robustness suite)", () => {
    const whole = new FrameDecoder("nul-terminated", 16);
    expect(whole.push(Buffer.from(`${" ".repeat(100)}<a/>\0<c/>\0`)).map((f) => f.payload.toString())).to.deep.equal(["<c/>"]);
    expect(whole.discarded).to.equal(1);
    const chunked = new FrameDecoder("nul-terminated", 16);
    expect(chunked.push(Buffer.from(" ".repeat(100)))).to.deep.equal([]);
    expect(chunked.push(Buffer.from("<a/>\0<c/>\0")).map((f) => f.payload.toString())).to.deep.equal(["<c/>"]);
    expect(chunked.discarded).to.equal(1);
  });
});
