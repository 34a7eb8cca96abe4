/**
 * Throwaway TLS material for loopback tests: a private CA and a server certificate for
 * 127.0.0.1 / localhost signed by it, made with the `openssl` CLI (Debian package `openssl`).
 *
 * Nothing is cached: every call makes fresh keys, so no test ever trusts a CA that another
 * test (or a previous run) created. EC P-256 keys take milliseconds, RSA would take seconds.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Paths of the generated files, and the CA certificate itself for clients to trust. */
export interface TlsCertificates {
  /** Folder holding all files. */
  dir: string;
  /** The CA certificate (PEM); give it to TLS clients as `ca`. */
  caCertPath: string;
  /** The CA private key (PEM); only needed to sign more certificates. */
  caKeyPath: string;
  /** The server certificate (PEM), signed by the CA, SANs IP:127.0.0.1 and DNS:localhost. */
  certPath: string;
  /** The server private key (PEM, unencrypted). */
  keyPath: string;
  /** Contents of {@link TlsCertificates.caCertPath}. */
  caCertPem: string;
}

/** Options of {@link generateTlsCertificates}. */
export interface TlsCertificateOptions {
  /** Extra subjectAltName entries, e.g. `["DNS:pbx.test"]`. 127.0.0.1 and localhost are always in. */
  extraSubjectAltNames?: readonly string[];
  /** Validity in days. Default 7. */
  days?: number;
  /** Bound for each openssl call. Default 10000 ms. */
  timeoutMs?: number;
}

/**
 * Creates `dir` (if needed) and writes `ca.pem`, `ca.key`, `server.pem`, `server.key` into it.
 * Throws with openssl's stderr when a step fails, or names the package when openssl is missing.
 */
export async function generateTlsCertificates(dir: string, options: TlsCertificateOptions = {}): Promise<TlsCertificates> {
  const days = String(options.days ?? 7);
  const timeout = options.timeoutMs ?? 10_000;
  await mkdir(dir, { recursive: true });
  const f = (name: string): string => path.join(dir, name);
  const san = ["IP:127.0.0.1", "DNS:localhost", ...(options.extraSubjectAltNames ?? [])].join(",");
  await writeFile(
    f("server-ext.cnf"),
    [
      "basicConstraints = critical, CA:FALSE",
      "keyUsage = critical, digitalSignature, keyEncipherment",
      "extendedKeyUsage = serverAuth, clientAuth",
      `subjectAltName = ${san}`,
      "",
    ].join("\n"),
  );

  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const steps: string[][] = [
    // 1. self-signed CA
    ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", days,
      "-subj", "/CN=presence-hub test CA", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    // 2. server key + CSR
    ["req", "-new", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=127.0.0.1"],
    // 3. CA signs the server certificate with the SANs (the CN alone is ignored by clients)
    ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
      "-out", f("server.pem"), "-days", days, "-sha256", "-extfile", f("server-ext.cnf")],
  ];
  for (const args of steps) {
    try {
      await execFileAsync("openssl", args, { timeout, killSignal: "SIGKILL" });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
      if (e.code === "ENOENT") {
        throw new Error("openssl not found: install the Debian package `openssl` (apt-get install openssl)");
      }
      const why = e.killed ? `timed out after ${timeout} ms` : (e.stderr ?? e.message).trim();
      throw new Error(`openssl ${args[0]} failed while making test certificates in ${dir}: ${why}`);
    }
  }
  return {
    dir,
    caCertPath: f("ca.pem"),
    caKeyPath: f("ca.key"),
    certPath: f("server.pem"),
    keyPath: f("server.key"),
    caCertPem: await readFile(f("ca.pem"), "utf8"),
  };
}
