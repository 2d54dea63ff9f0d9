import fs from "fs";
import os from "os";
import path from "path";
import { seedLedgerDir } from "./ledger";

/**
 * A temporary folder for the enclosing describe block (or for each test with `each`), removed afterwards.
 * With `env`, that environment variable points at it meanwhile (DEPLOYMENTS_DIR, SIGNED_DIR) and is
 * restored after. With `ledger`, the folder is a new PGlite ledger (test/helpers/ledger.ts). Returns a
 * getter: the folder of the current block or test.
 */
export function useTemporaryDir(prefix: string, options: { env?: string; each?: boolean; ledger?: boolean } = {}): () => string {
  let dir = "";
  let saved: string | undefined;
  const [setUp, tearDown] = options.each ? [beforeEach, afterEach] : [before, after];
  setUp(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    if (options.ledger) await seedLedgerDir(dir);
    if (options.env) {
      saved = process.env[options.env];
      process.env[options.env] = dir;
    }
  });
  tearDown(function () {
    if (options.env) {
      if (saved === undefined) delete process.env[options.env];
      else process.env[options.env] = saved;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** Deployment records in a temporary folder (DEPLOYMENTS_DIR) for the enclosing block, or for each test. */
export const useTemporaryDeployments = (each = false) => useTemporaryDir("deployments", { env: "DEPLOYMENTS_DIR", each });
