import { expect } from "chai";
import { createHash } from "node:crypto";

import { parseCredentials } from "./auth-header.js";
import { DigestAuthenticator, digestResponse } from "./digest.js";
import { SipHeaders } from "./sip-headers.js";

const RFC7616 = {
  username: "Mufasa",
  password: "Circle of Life",
  realm: "http-auth@example.org",
  nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
  cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
  nc: "00000001",
  qop: "auth" as const,
  method: "GET",
  uri: "/dir/index.html",
};

function challenge(status: number, ...values: string[]) {
  const headers = new SipHeaders();
  for (const v of values) headers.add(status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate", v);
  return { status, headers };
}

function credentialsOf(value: string) {
  return parseCredentials(value).params;
}

describe("digest", () => {
  it("RFC 7616 §3.9.1 test vectors (MD5 and SHA-256)", () => {
    expect(digestResponse({ ...RFC7616, algorithm: "MD5" })).to.equal("8ca523f5e9506fed4657c9700eebdbec");
    expect(digestResponse({ ...RFC7616, algorithm: "SHA-256" })).to.equal("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  });

  it("RFC 2617 §3.5 test vector", () => {
    expect(
      digestResponse({
        algorithm: "MD5",
        username: "Mufasa",
        password: "Circle Of Life",
        realm: "testrealm@host.com",
        nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        cnonce: "0a4f113b",
        nc: "00000001",
        qop: "auth",
        method: "GET",
        uri: "/dir/index.html",
      }),
    ).to.equal("6629fae49393a05397450978507c4ef1");
  });

  it("auth-int, -sess, SHA-512-256 and RFC 2069 (no qop) follow the RFC 7616 formulas", () => {
    const h = (alg: string, s: string | Buffer): string => createHash(alg).update(s).digest("hex");
    const body = Buffer.from("<presence>Café</presence>");
    // auth-int: HA2 = H(method:uri:H(body))
    const ha1 = h("md5", "Mufasa:http-auth@example.org:Circle of Life");
    const ha2 = h("md5", `GET:/dir/index.html:${h("md5", body)}`);
    expect(digestResponse({ ...RFC7616, algorithm: "MD5", qop: "auth-int", body })).to.equal(
      h("md5", `${ha1}:${RFC7616.nonce}:00000001:${RFC7616.cnonce}:auth-int:${ha2}`),
    );
    // SHA-512-256-sess: HA1 = H(H(user:realm:pass):nonce:cnonce); sha512-256 is the FIPS 180-4 one.
    expect(h("sha512-256", "abc")).to.equal("53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
    const s1 = h("sha512-256", `${h("sha512-256", "Mufasa:http-auth@example.org:Circle of Life")}:${RFC7616.nonce}:${RFC7616.cnonce}`);
    const s2 = h("sha512-256", "GET:/dir/index.html");
    expect(digestResponse({ ...RFC7616, algorithm: "SHA-512-256-sess" })).to.equal(h("sha512-256", `${s1}:${RFC7616.nonce}:00000001:${RFC7616.cnonce}:auth:${s2}`));
    // RFC 2069: response = H(HA1:nonce:HA2)
    expect(digestResponse({ ...RFC7616, algorithm: "MD5", qop: undefined })).to.equal(h("md5", `${ha1}:${RFC7616.nonce}:${h("md5", "GET:/dir/index.html")}`));
  });

  it("answers a challenge, then pre-authorises later requests with the same nonce and nc+1", () => {
    const auth = new DigestAuthenticator({ username: "Mufasa", password: "Circle of Life" }, { cnonce: () => RFC7616.cnonce });
    expect(auth.authorize({ method: "SUBSCRIBE", uri: "sip:a@b" })).to.deep.equal([]);
    const outcome = auth.handleChallenge(
      challenge(401, `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=MD5, nonce="${RFC7616.nonce}", opaque="${RFC7616.opaque}"`),
      { headers: [] },
    );
    expect(outcome).to.deep.equal({ ok: true, realms: [RFC7616.realm] });
    const [[name, value]] = auth.authorize({ method: "GET", uri: "/dir/index.html" }) as [[string, string]];
    expect(name).to.equal("Authorization");
    const p = credentialsOf(value);
    expect(p.get("response")).to.equal("8ca523f5e9506fed4657c9700eebdbec");
    expect([p.get("nc"), p.get("qop"), p.get("opaque"), p.get("uri"), p.get("algorithm")]).to.deep.equal(["00000001", "auth", RFC7616.opaque, "/dir/index.html", "MD5"]);
    const second = credentialsOf(auth.authorize({ method: "SUBSCRIBE", uri: "sip:Alice@EXAMPLE.com" })[0]![1]);
    expect(second.get("nc")).to.equal("00000002");
    expect(second.get("nonce")).to.equal(RFC7616.nonce);
    expect(second.get("uri")).to.equal("sip:Alice@EXAMPLE.com"); // exactly as on the request line
  });

  it("chooses the strongest of several challenges (SHA-512-256 > SHA-256 > MD5), across header lines", () => {
    const auth = new DigestAuthenticator({ username: "u", password: "p" });
    auth.handleChallenge(
      challenge(
        407,
        'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"',
        'Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth", Digest realm="r", nonce="n3", algorithm=SHA-512-256, qop="auth"',
        'Digest realm="r", nonce="n4", algorithm=UNKNOWN-ALG',
      ),
      { headers: [] },
    );
    const [[name, value]] = auth.authorize({ method: "SUBSCRIBE", uri: "sip:a@b" }) as [[string, string]];
    expect(name).to.equal("Proxy-Authorization");
    expect([credentialsOf(value).get("algorithm"), credentialsOf(value).get("nonce")]).to.deep.equal(["SHA-512-256", "n3"]);
    const md5only = new DigestAuthenticator({ username: "u", password: "p" });
    md5only.handleChallenge(
      challenge(401, 'Digest realm="r", nonce="m", algorithm=MD5, qop="auth"', 'Digest realm="r", nonce="s", algorithm=SHA-256, qop="auth"'),
      { headers: [] },
    );
    expect(credentialsOf(md5only.authorize({ method: "M", uri: "sip:a@b" })[0]![1]).get("algorithm")).to.equal("SHA-256");
    expect(new DigestAuthenticator({ username: "u", password: "p" }).handleChallenge(challenge(401, 'Basic realm="x"'), { headers: [] })).to.deep.include({
      ok: false,
      reason: "unsupported",
    });
  });

  it("stale=true: retry once with the new nonce; stale=false with our credentials: rejected", () => {
    const auth = new DigestAuthenticator({ username: "u", password: "p" });
    auth.handleChallenge(challenge(401, 'Digest realm="r", nonce="old", qop="auth"'), { headers: [] });
    const sent = auth.authorize({ method: "SUBSCRIBE", uri: "sip:a@b" });
    // The server expired "old": stale, so not a bad password.
    expect(auth.handleChallenge(challenge(401, 'Digest realm="r", nonce="new", qop="auth", stale=true'), { headers: sent }).ok).to.equal(true);
    const retry = auth.authorize({ method: "SUBSCRIBE", uri: "sip:a@b" });
    expect(credentialsOf(retry[0]![1]).get("nonce")).to.equal("new");
    expect(credentialsOf(retry[0]![1]).get("nc")).to.equal("00000001");
    // The fresh nonce declared stale again on its first use: give up rather than loop.
    expect(auth.handleChallenge(challenge(401, 'Digest realm="r", nonce="newer", qop="auth", stale=true'), { headers: retry })).to.deep.include({
      ok: false,
      reason: "stale-again",
    });
    // Credentials refused outright.
    const fresh = new DigestAuthenticator({ username: "u", password: "wrong" });
    fresh.handleChallenge(challenge(401, 'Digest realm="r", nonce="a", qop="auth"'), { headers: [] });
    const withCreds = fresh.authorize({ method: "SUBSCRIBE", uri: "sip:a@b" });
    expect(fresh.handleChallenge(challenge(401, 'Digest realm="r", nonce="b", qop="auth"'), { headers: withCreds })).to.deep.include({ ok: false, reason: "rejected" });
  });

  it("a later stale nonce after successful use is retried again", () => {
    const auth = new DigestAuthenticator({ username: "u", password: "p" });
    auth.handleChallenge(challenge(401, 'Digest realm="r", nonce="n1", qop="auth"'), { headers: [] });
    auth.handleChallenge(challenge(401, 'Digest realm="r", nonce="n2", qop="auth", stale=true'), { headers: auth.authorize({ method: "M", uri: "sip:a@b" }) });
    auth.authorize({ method: "M", uri: "sip:a@b" });
    const later = auth.authorize({ method: "M", uri: "sip:a@b" }); // n2 used twice: it worked
    expect(auth.handleChallenge(challenge(401, 'Digest realm="r", nonce="n3", qop="auth", stale=true'), { headers: later }).ok).to.equal(true);
  });

  it("userhash=true sends H(username:realm); no qop gives an RFC 2069 answer without nc/cnonce", () => {
    const auth = new DigestAuthenticator({ username: "Jäsøn Doe", password: "Secret, or not?" });
    auth.handleChallenge(challenge(401, 'Digest realm="api@example.org", nonce="n", algorithm=SHA-512-256, qop="auth", userhash=true'), { headers: [] });
    const p = credentialsOf(auth.authorize({ method: "GET", uri: "/doe.json" })[0]![1]);
    expect(p.get("username")).to.equal(createHash("sha512-256").update("Jäsøn Doe:api@example.org").digest("hex"));
    expect(p.get("userhash")).to.equal("true");
    const old = new DigestAuthenticator({ username: "u", password: "p" });
    old.handleChallenge(challenge(401, 'Digest realm="r", nonce="n"'), { headers: [] });
    const q = credentialsOf(old.authorize({ method: "REGISTER", uri: "sip:r" })[0]![1]);
    expect([q.get("qop"), q.get("nc"), q.get("cnonce"), q.get("algorithm")]).to.deep.equal([undefined, undefined, undefined, undefined]);
    const base = { algorithm: "MD5", username: "u", password: "p", realm: "r", nonce: "n" } as const;
    expect(q.get("response")).to.equal(digestResponse({ ...base, qop: undefined, method: "REGISTER", uri: "sip:r" }));
  });

  it("auth-int hashes the body of the request being authorised", () => {
    const auth = new DigestAuthenticator({ username: "u", password: "p" }, { cnonce: () => "c" });
    auth.handleChallenge(challenge(401, 'Digest realm="r", nonce="n", qop="auth-int"'), { headers: [] });
    const body = "<presence/>";
    const req = { method: "PUBLISH", uri: "sip:a@b", body };
    const p = credentialsOf(auth.authorize(req)[0]![1]);
    expect(p.get("qop")).to.equal("auth-int");
    expect(p.get("response")).to.equal(
      digestResponse({ algorithm: "MD5", username: "u", password: "p", realm: "r", nonce: "n", cnonce: "c", nc: "00000001", qop: "auth-int", ...req }),
    );
  });
});
