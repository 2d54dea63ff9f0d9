import fs from "fs";
import net from "net";
import os from "os";
import path from "path";
import { claimFile } from "./claims";

/** Where freePort records the ports it gave: one file per port, holding the pid of the process it gave it to. */
const CLAIMS = path.join(os.tmpdir(), "free-port-claims");

/**
 * How long a port given stays reserved for its process: the time from the pick to the bind of the server
 * that uses it (a node or database that starts). A bound port is seen as taken by the listen test anyway.
 */
const CLAIM_MS = 120_000;

/** Claims `port` for this process unless a living process claimed it less than CLAIM_MS ago (claimFile). */
function claim(port: number): boolean {
  fs.mkdirSync(CLAIMS, { recursive: true });
  return claimFile(path.join(CLAIMS, String(port)), CLAIM_MS);
}

/**
 * The first port in from..to that nothing on 127.0.0.1 listens on and that no other process got from
 * freePort in the last two minutes (claim): processes starting servers at the same time get different ports.
 */
export async function freePort(from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    if (!claim(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer().once("error", () => resolve(false)).listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${from}-${to}`);
}

/** Whether a JSON-RPC node answers eth_chainId at the URL. */
export async function rpcAnswers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return r.ok;
  } catch {
    return false;
  }
}
