import { execFileSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { freePort } from "../../lib/ports";

/** The bin folder of an installed PostgreSQL (Debian's /usr/lib/postgresql/<version>/bin), or undefined. */
export function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0], "bin") : undefined;
}

export interface TestCluster {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a throw-away PostgreSQL cluster on 127.0.0.1:<port in [from, to]>, as the `postgres` user when run
 * as root (postgres refuses root), its socket and data in a temporary folder. `stop` ends it by its pid
 * (fast shutdown) within a bounded wait and removes the folder.
 */
export async function startPostgres(bin: string, from: number, to: number): Promise<TestCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ledger-pg-"));
  const asRoot = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (asRoot ? execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "pipe", timeout: 60_000 }) : execFileSync(cmd, args, { stdio: "pipe", timeout: 60_000 }));
  if (asRoot) execFileSync("chown", ["postgres:postgres", dir]);
  const data = path.join(dir, "data");
  const port = await freePort(from, to);
  as(path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  as(path.join(bin, "pg_ctl"), ["-D", data, "-l", path.join(dir, "log"), "-w", "-t", "30", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  const pid = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid,
    async stop() {
      if (alive()) process.kill(pid, "SIGINT");
      for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
      if (alive()) process.kill(pid, "SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
