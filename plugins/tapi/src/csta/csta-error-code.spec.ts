import { expect } from "chai";
import { readCstaDocument } from "./csta-document.js";
import { readCstaError } from "./csta-error-code.js";

const error = (body: string) => readCstaError(readCstaDocument(`<CSTAErrorCode xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3">${body}</CSTAErrorCode>`));

describe("CSTAErrorCode", () => {
  it("maps unknown devices to not-found", () => {
    expect(error("<operation>invalidDeviceID</operation>")).to.deep.equal({ category: "operation", value: "invalidDeviceID", status: "not-found" });
    expect(error("<operation>invalidCstaDeviceIdentifier</operation>").status).to.equal("not-found");
    expect(error("<operation>objectNotKnown</operation>").status).to.equal("not-found");
  });

  it("maps security errors and privilege violations to access-denied", () => {
    expect(error("<security>securityInfoViolated</security>").status).to.equal("access-denied");
    expect(error("<operation>privilegeViolationOnSpecifiedDevice</operation>").status).to.equal("access-denied");
  });

  it("maps everything else to error, an empty code included", () => {
    expect(error("<systemResourceAvailability>resourceBusy</systemResourceAvailability>").status).to.equal("error");
    expect(error("<operation>invalidFeature</operation>").status).to.equal("error");
    expect(error("")).to.deep.equal({ category: "unspecified", value: "generic", status: "error" });
  });
});
