import { expect } from "chai";
import { DIRECTORY_PRESETS, mappedAttributes, resolveMapping } from "./attribute-mapping.js";
import { directoryEntry } from "./directory-entry.js";
import { mapEntry, type MappedEntry } from "./map-entry.js";

const openldap = resolveMapping({ directoryType: "openldap", attributes: { voicemailNumber: "pager" } });
const ad = resolveMapping({ directoryType: "active-directory", attributes: {} });

function user(m: MappedEntry) {
  if (m.kind !== "user") throw new Error(`expected a user, got skipped: ${m.reason}`);
  return m.user;
}
function reason(m: MappedEntry): string {
  if (m.kind !== "skipped") throw new Error(`expected a skip, got user ${m.user.username}`);
  return m.reason;
}

describe("directory-ldap: attribute mapping", () => {
  it("maps an inetOrgPerson with the OpenLDAP defaults (plus pager as voicemail)", () => {
    const e = directoryEntry("uid=alice,ou=people,dc=example,dc=org", {
      uid: "alice",
      cn: "Alice Example",
      displayName: "Alice  Example ",
      telephoneNumber: "201",
      labeledURI: ["https://alice.example.org Home page", "sip:alice@example.org SIP"],
      pager: "8201",
    });
    expect(user(mapEntry(e, openldap, "ldap"))).to.deep.equal({
      username: "alice",
      displayName: "Alice Example",
      firstExtension: "201",
      sipUri: "sip:alice@example.org",
      voicemailNumber: "8201",
      origin: "ldap",
    });
  });

  it("maps an Active Directory user with the AD defaults, attribute names in any case", () => {
    const e = directoryEntry("CN=Bob Builder,OU=Staff,DC=corp,DC=example", {
      sAMAccountName: "bob",
      CN: "Bob Builder",
      ipphone: "202",
      "msRTCSIP-PrimaryUserAddress": "SIP:bob@corp.example",
      telephoneNumber: "+1 555 0100",
    });
    expect(user(mapEntry(e, ad, "ad"))).to.deep.include({ username: "bob", displayName: "Bob Builder", firstExtension: "202", sipUri: "SIP:bob@corp.example", voicemailNumber: null, origin: "ad" });
  });

  it("falls back along an attribute list and to the username for the display name", () => {
    const e = directoryEntry("uid=carol,ou=people,dc=example,dc=org", { uid: "carol", telephoneNumber: "203" });
    expect(user(mapEntry(e, openldap, "ldap")).displayName).to.equal("carol");
    const withCn = directoryEntry("uid=carol,ou=people,dc=example,dc=org", { uid: "carol", cn: "Carol C", telephoneNumber: "203" });
    expect(user(mapEntry(withCn, openldap, "ldap")).displayName).to.equal("Carol C");
  });

  it("takes the username that names the entry when the attribute has several values", () => {
    const e = directoryEntry("uid=d.dunn,ou=people,dc=example,dc=org", { uid: ["dave", "d.dunn"], telephoneNumber: "204" });
    expect(user(mapEntry(e, openldap, "ldap")).username).to.equal("d.dunn");
  });

  it("drops readability separators from phone numbers, keeps + * #", () => {
    const e = directoryEntry("uid=e,dc=x", { uid: "e", telephoneNumber: "+49 (89) 1234-205", pager: "*86#" });
    expect(user(mapEntry(e, openldap, "ldap"))).to.deep.include({ firstExtension: "+49891234205", voicemailNumber: "*86#" });
  });

  it("takes a bare user@host as a SIP address (mail mapped as SIP URI), ignores other URI schemes", () => {
    const mail = resolveMapping({ directoryType: "openldap", attributes: { sipUri: ["labeledURI", "mail"] } });
    const e = directoryEntry("uid=f,dc=x", { uid: "f", labeledURI: "https://f.example.org", mail: "f@example.org", telephoneNumber: "206" });
    expect(user(mapEntry(e, mail, "ldap")).sipUri).to.equal("sip:f@example.org");
    const web = directoryEntry("uid=g,dc=x", { uid: "g", labeledURI: ["http://g.example.org", "tel:+1555"], telephoneNumber: "207" });
    expect(user(mapEntry(web, openldap, "ldap")).sipUri).to.equal(null);
  });

  it("skips an entry without a username, naming the attribute", () => {
    const m = mapEntry(directoryEntry("cn=Nobody,dc=x", { cn: "Nobody", telephoneNumber: "208" }), openldap, "ldap");
    expect(m).to.deep.include({ kind: "skipped", username: null });
    expect(reason(m)).to.match(/no username: uid is missing or empty/);
  });

  it("skips an entry with an invalid username, extension or SIP URI, saying which attribute holds what", () => {
    expect(reason(mapEntry(directoryEntry("uid=a b,dc=x", { uid: "a b", telephoneNumber: "1" }), openldap, "ldap"))).to.match(/username "a b" \(uid\) must be 1-64 letters/);
    const bad = mapEntry(directoryEntry("uid=h,dc=x", { uid: "h", telephoneNumber: "ext. 12", labeledURI: "sip:nohost" }), openldap, "ldap");
    expect(bad).to.deep.include({ username: "h" });
    expect(reason(bad)).to.match(/first extension: telephoneNumber "ext. 12" is not a dial string/).and.match(/SIP URI: labeledURI "sip:nohost" is not a SIP URI/);
    expect(reason(mapEntry(directoryEntry("uid=i,dc=x", { uid: "i", cn: "x".repeat(201), telephoneNumber: "1" }), openldap, "ldap"))).to.match(/displayName must be at most 200 characters/);
  });

  it("skips an entry with neither a first extension nor a SIP URI: nothing to show presence for", () => {
    expect(reason(mapEntry(directoryEntry("uid=j,dc=x", { uid: "j", cn: "J" }), openldap, "ldap"))).to.match(/no first extension \(telephoneNumber\) and no SIP URI \(labeledURI\)/);
  });

  it("an unmapped field (null) stays null even when the attribute exists", () => {
    const noVm = resolveMapping({ directoryType: "openldap", attributes: { voicemailNumber: null } });
    expect(user(mapEntry(directoryEntry("uid=k,dc=x", { uid: "k", telephoneNumber: "1", pager: "9" }), noVm, "ldap")).voicemailNumber).to.equal(null);
  });

  it("asks the server only for the mapped attributes, each once", () => {
    expect(mappedAttributes(openldap)).to.deep.equal(["uid", "displayName", "cn", "telephoneNumber", "labeledURI", "pager"]);
    expect(DIRECTORY_PRESETS["active-directory"].filter).to.contain("userAccountControl:1.2.840.113556.1.4.803:=2");
  });
});
