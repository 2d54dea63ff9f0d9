import fs from "fs";
import http from "http";
import path from "path";
import { freePort } from "../lib/ports";
import { buildClient, clientConfig, ensureArtifacts, OUT_DIR } from "./build";

const USAGE = "usage: npm run client -- --network <name> [--port <port>]";
/** Ports the page is served on when --port is not given: the first free one. */
export const DEFAULT_PORTS: [number, number] = [8700, 8799];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8", ".png": "image/png",
};

/** --network and --port from the command line, naming what is wrong. */
export function parseArgs(argv: string[]): { network: string; port?: number } {
  let network: string | undefined;
  let port: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--network" || flag === "--port") {
      if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value; ${USAGE}`);
      if (flag === "--network") network = value;
      else if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new Error(`--port "${value}" is not a port number`);
      else port = Number(value);
      i++;
    } else {
      throw new Error(`unknown option "${flag}"; ${USAGE}`);
    }
  }
  if (!network) throw new Error(`--network is required; ${USAGE}`);
  return { network, port };
}

/** Serves the files of `dir` on 127.0.0.1:port, GET only, nothing outside `dir`. */
export function serveStatic(dir: string, port: number): Promise<http.Server> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const file = path.resolve(root, `.${decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname)}`);
    if ((req.method !== "GET" && req.method !== "HEAD") || !file.startsWith(`${root}${path.sep}`) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(req.method === "GET" || req.method === "HEAD" ? 404 : 405, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store", "x-content-type-options": "nosniff" });
    res.end(req.method === "HEAD" ? undefined : fs.readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === "EADDRINUSE" ? `port ${port} on 127.0.0.1 is in use: choose another with --port` : e.message)));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/**
 * `npm run client -- --network <name> [--port <port>]`: builds the client page for the deployment of the
 * network (deployments/<network>.json) and serves it on 127.0.0.1 until stopped.
 */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = clientConfig(args.network);
  ensureArtifacts();
  const { bytes } = await buildClient(config);
  const port = args.port ?? (await freePort(...DEFAULT_PORTS));
  await serveStatic(OUT_DIR, port);
  console.log(`client page for network "${config.network}" (chain id ${config.chainId}, bundle ${bytes} bytes): http://127.0.0.1:${port}/`);
  console.log("open it in a browser with a wallet (MetaMask or any EIP-1193 wallet); Ctrl-C stops it");
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    process.exitCode = 1;
  });
}
