import { expect } from "chai";
import { readCstaDocument } from "./csta-document.js";
import { deviceIdOf, displayDeviceId, sameDevice } from "./device-id.js";

describe("CSTA device ids", () => {
  it("reads plain and extended device ids; notKnown is no id", () => {
    expect(deviceIdOf(readCstaDocument("<device>1001</device>"))).to.equal("1001");
    expect(deviceIdOf(readCstaDocument("<callingDevice><deviceIdentifier>2000</deviceIdentifier></callingDevice>"))).to.equal("2000");
    expect(deviceIdOf(readCstaDocument("<callingDevice><notKnown/></callingDevice>"))).to.equal(undefined);
    expect(deviceIdOf(readCstaDocument("<deviceID><staticID>1001</staticID></deviceID>"))).to.equal("1001");
  });

  it("displays the number a switch means, whatever its notation", () => {
    expect(displayDeviceId("N<+4989123451001>;displayNumber=1001")).to.equal("+4989123451001");
    expect(displayDeviceId("sip:1001@pbx.example;user=phone")).to.equal("1001");
    expect(displayDeviceId("tel:+4930123456")).to.equal("+4930123456");
    expect(displayDeviceId("1001:CM1:192.0.2.1:0")).to.equal("1001");
    expect(displayDeviceId(" 2000 ")).to.equal("2000");
  });

  it("matches an extension to itself and to the full number ending with it, never short numbers to each other", () => {
    expect(sameDevice("1001", "1001")).to.equal(true);
    expect(sameDevice("1001", "sip:1001@pbx")).to.equal(true);
    expect(sameDevice("1001", "N<+4989123451001>;noa=nk")).to.equal(true);
    expect(sameDevice("1001", "+49 89 12345-1001")).to.equal(true);
    expect(sameDevice("1001", "21001")).to.equal(false);
    expect(sameDevice("1001", "1002")).to.equal(false);
    expect(sameDevice("1001", undefined)).to.equal(false);
    expect(sameDevice("", "")).to.equal(false);
  });
});
