import fs from "fs";
import path from "path";
import { Failure } from "../failure";

/** One row of a result, column name to value (NUMERIC as a decimal string, timestamps as Date). */
export type Row = Record<string, unknown>;

/** The part of a database that runs statements: the database itself, or one transaction of it. */
export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs statements without parameters, several separated by semicolons (a migration). */
  exec(sql: string): Promise<void>;
}

/** The ledger's database: PGlite in a folder, or PostgreSQL by URL, spoken to in the same SQL. */
export interface LedgerDb extends Queryable {
  /** Where it is, for messages: the folder, or the URL without its password. */
  readonly where: string;
  /** Runs `body` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(body: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Where a network's ledger is: DATABASE_URL (PostgreSQL), else LEDGER_DIR, else ledger-data/<network> (PGlite). */
export interface LedgerLocation {
  url?: string;
  dir?: string;
}

/** The ledger location of a network from the environment: DATABASE_URL, else LEDGER_DIR, else ledger-data/<network>. */
export function ledgerLocation(network: string, env: NodeJS.ProcessEnv = process.env): LedgerLocation {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL };
  return { dir: env.LEDGER_DIR ?? path.join(process.cwd(), "ledger-data", network) };
}

/** A database URL as it may be shown: without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "";
    return u.toString().replace(/:@/, "@");
  } catch {
    return "(malformed DATABASE_URL)";
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0] || String((e as { code?: string })?.code ?? e);

/**
 * Opens the ledger database and applies the migrations it lacks. A database that cannot be reached (or
 * opened) is one line naming it (the URL without its password, or the folder) and the cause.
 */
export async function openLedger(location: LedgerLocation): Promise<LedgerDb> {
  const db = location.url ? await openPostgres(location.url) : await openPglite(location.dir!);
  try {
    await migrate(db);
  } catch (e) {
    await db.close().catch(() => undefined);
    throw new Failure("FAILED", `ledger database ${db.where}: migration failed: ${firstLine(e)}`);
  }
  return db;
}

async function openPglite(dir: string): Promise<LedgerDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PGlite } = require("@electric-sql/pglite") as typeof import("@electric-sql/pglite");
  const where = path.relative(process.cwd(), dir) || dir;
  let pg: InstanceType<typeof PGlite>;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Failure("NETWORK", `ledger database ${where} cannot be opened: ${firstLine(e)}`);
  }
  const unlock = lockFolder(dir, where);
  try {
    pg = await PGlite.create(dir);
  } catch (e) {
    unlock();
    throw new Failure("NETWORK", `ledger database ${where} cannot be opened: ${firstLine(e)}`);
  }
  const on = (q: { query: typeof pg.query; exec: typeof pg.exec }): Queryable => ({
    query: async <R extends Row>(sql: string, params: readonly unknown[] = []) => (await q.query<R>(sql, params as unknown[])).rows,
    exec: async (sql: string) => {
      await q.exec(sql);
    },
  });
  return {
    where,
    ...on(pg),
    transaction: (body) => pg.transaction((tx) => body(on(tx))),
    close: async () => {
      try {
        await pg.close();
      } finally {
        unlock();
      }
    },
  };
}

const LOCK_FILE = "ledger.lock";

/**
 * Takes the PGlite folder for this process: PGlite is one process's database, and two writers would corrupt
 * it. A lock left by a process that no longer runs (a killed sync) is taken over. Returns the release.
 */
function lockFolder(dir: string, where: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new Failure("NETWORK", `ledger database ${where} cannot be opened: ${firstLine(e)}`);
      const holder = Number(fs.readFileSync(file, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && running(holder)) {
        throw new Failure("REFUSED", `ledger database ${where} is in use by process ${holder} (another sync or command); wait for it to end`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Failure("REFUSED", `ledger database ${where} is being opened by another process; try again`);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function openPostgres(url: string): Promise<LedgerDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Pool } = require("pg") as typeof import("pg");
  const where = redactUrl(url);
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
  pool.on("error", () => undefined);
  try {
    (await pool.connect()).release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Failure("NETWORK", `ledger database ${where} cannot be reached: ${firstLine(e)}`);
  }
  const query = async <R extends Row>(sql: string, params: readonly unknown[] = []) => (await pool.query(sql, params as unknown[])).rows as R[];
  return {
    where,
    query,
    exec: async (sql) => {
      await pool.query(sql);
    },
    async transaction(body) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await body({
          query: async <R extends Row>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[],
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
        await client.query("COMMIT");
        return result;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** A versioned migration: lib/ledger/migrations/<version>_<name>.sql. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_DIR = path.join(__dirname, "migrations");

/** The migrations in version order. */
export function migrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs.readdirSync(dir)
    .map((f) => /^(\d+)_(.+)\.sql$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2], sql: fs.readFileSync(path.join(dir, m[0]), "utf8") }))
    .sort((a, b) => a.version - b.version);
}

/** Applies the migrations the database lacks, in order, each in its own transaction; returns the versions applied. */
export async function migrate(db: LedgerDb, dir = MIGRATIONS_DIR): Promise<number[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const done = new Set((await db.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of migrations(dir)) {
    if (done.has(m.version)) continue;
    await db.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
    });
    applied.push(m.version);
  }
  return applied;
}
