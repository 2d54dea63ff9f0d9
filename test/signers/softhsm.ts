import { execFileSync, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { closePkcs11 } from "../../lib/signers/pkcs11";

/** Debian's SoftHSM2 module, as apt installs it. */
export const SOFTHSM2_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

export interface SoftHsmToken {
  /** The temporary folder holding softhsm2.conf, the tokens and the PIN file. */
  dir: string;
  module: string;
  token: string;
  pin: string;
  soPin: string;
  /** A file holding the user PIN, mode 600. */
  pinFile: string;
}

function installed(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

/** Whether SoftHSM2 (softhsm2-util and its module) is installed. */
export function softHsmInstalled(): boolean {
  return installed("softhsm2-util") && fs.existsSync(SOFTHSM2_MODULE);
}

/**
 * Tokens labelled `labels` in a fresh temporary folder with its own softhsm2.conf (SOFTHSM2_CONF points at
 * it until `remove`), one user PIN and a PIN file (mode 600). Gives the first token; `remove` finalises
 * every PKCS#11 module of the process, restores SOFTHSM2_CONF and removes the folder.
 */
export function createSoftHsmTokens(labels: string[]): { token: SoftHsmToken; remove: () => void } {
  closePkcs11();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "softhsm-"));
  fs.mkdirSync(path.join(dir, "tokens"), { mode: 0o700 });
  fs.writeFileSync(path.join(dir, "softhsm2.conf"), `directories.tokendir = ${path.join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const saved = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = path.join(dir, "softhsm2.conf");
  const pin = "246813";
  const soPin = "97531864";
  for (const label of labels) {
    execFileSync("softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", soPin], { stdio: "pipe" });
  }
  const pinFile = path.join(dir, "pin");
  fs.writeFileSync(pinFile, pin + "\n", { mode: 0o600 });
  const remove = (): void => {
    closePkcs11();
    if (saved === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { token: { dir, module: SOFTHSM2_MODULE, token: labels[0], pin, soPin, pinFile }, remove };
}

/**
 * A SoftHSM2 token labelled `label` (and tokens labelled `more` in the same folder) for the enclosing
 * describe block (createSoftHsmTokens), removed afterwards. Skips the block, saying why, when softhsm2-util
 * is not installed.
 */
export function useSoftHsm(label: string, more: string[] = []): () => SoftHsmToken {
  let made: { token: SoftHsmToken; remove: () => void } | undefined;
  before(function () {
    if (!softHsmInstalled()) {
      console.log(`      skipped: softhsm2-util or ${SOFTHSM2_MODULE} is not installed (apt-get install softhsm2 opensc); the PKCS#11 tests need a token`);
      this.skip();
    }
    made = createSoftHsmTokens([label, ...more]);
  });
  after(function () {
    made?.remove();
    made = undefined;
  });
  return () => {
    if (made === undefined) throw new Error("the SoftHSM2 token is set up in before()");
    return made.token;
  };
}

/**
 * Runs `body` (JavaScript using `pkcs11js`, the library `p`, a logged-in session `s` on the token and `out`
 * to print JSON) in a separate node process with its own C_Initialize: an independent look at the token.
 */
export function withTokenProcess(t: SoftHsmToken, body: string): unknown {
  const script = `
    const pkcs11js = require(${JSON.stringify(require.resolve("pkcs11js"))});
    const p = new pkcs11js.PKCS11();
    p.load(${JSON.stringify(t.module)});
    p.C_Initialize();
    const slot = p.C_GetSlotList(true).find((x) => p.C_GetTokenInfo(x).label.trim() === ${JSON.stringify(t.token)});
    const s = p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p.C_Login(s, pkcs11js.CKU_USER, ${JSON.stringify(t.pin)});
    const out = (x) => process.stdout.write(JSON.stringify(x));
    const findOne = (cls, label) => { p.C_FindObjectsInit(s, [{ type: pkcs11js.CKA_CLASS, value: cls }, { type: pkcs11js.CKA_LABEL, value: label }]); const h = p.C_FindObjects(s, 10); p.C_FindObjectsFinal(s); return h[0]; };
    try { ${body} } finally { p.C_Logout(s); p.C_CloseSession(s); p.C_Finalize(); }
  `;
  const text = execFileSync(process.execPath, ["-e", script], { env: { ...process.env }, encoding: "utf8" });
  return text === "" ? undefined : JSON.parse(text);
}

/** Runs pkcs11-tool against the token, logged in; returns its output. */
export function pkcs11Tool(t: SoftHsmToken, args: string[]): string {
  return execFileSync("pkcs11-tool", ["--module", t.module, "--token-label", t.token, "--login", "--pin", t.pin, ...args], { encoding: "utf8", stdio: "pipe" });
}
