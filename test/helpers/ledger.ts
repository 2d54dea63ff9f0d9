import fs from "fs";
import path from "path";

const ROOT = path.join(__dirname, "..", "..");

/** The installed PGlite's version: a template is only copied into a folder the same PGlite will open. */
function pgliteVersion(): string {
  const manifest = path.join(ROOT, "node_modules", "@electric-sql", "pglite", "package.json");
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
}

let template: Promise<string> | undefined;

/**
 * A PGlite folder as PGlite's `initdb` leaves it, made once per PGlite version under cache/ (shared by the
 * parallel workers: each makes it in a folder of its own and renames it into place, the first rename wins)
 * and closed, so that it holds no running server's files.
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const target = path.join(ROOT, "cache", `pglite-template-${pgliteVersion()}`);
    if (fs.existsSync(path.join(target, "PG_VERSION"))) return target;
    const own = `${target}.${process.pid}`;
    fs.rmSync(own, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(own), { recursive: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PGlite } = require("@electric-sql/pglite") as typeof import("@electric-sql/pglite");
    const pg = await PGlite.create(own);
    await pg.close();
    try {
      fs.renameSync(own, target);
    } catch (e) {
      // Another worker renamed its template first: use that one.
      fs.rmSync(own, { recursive: true, force: true });
      if (!fs.existsSync(path.join(target, "PG_VERSION"))) throw e;
    }
    return target;
  })();
  return template;
}

/**
 * Makes `dir` a new, empty PGlite ledger folder by copying the template (PGlite's `initdb` costs about 5 s
 * of CPU; the copy, milliseconds), unless it already holds a database, which is left as it is. Gives `dir`.
 * The ledger code then opens and migrates it as it does a folder it has just created. The README sessions'
 * `npm run ledger -- sync` still creates its ledger folder itself, so that path stays tested as a user meets it.
 */
export async function seedLedgerDir(dir: string): Promise<string> {
  if (fs.existsSync(path.join(dir, "PG_VERSION"))) return dir;
  fs.cpSync(await pgliteTemplate(), dir, { recursive: true });
  return dir;
}
