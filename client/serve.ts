import fs from "fs";
import http from "http";
import type { AddressInfo } from "net";
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

/**
 * Headers on every answer: the page may not be framed by another site (clickjacking: CSP frame-ancestors,
 * and X-Frame-Options for older browsers), nothing is sniffed. The page's content policy is the meta tag
 * in index.html; frame-ancestors is only obeyed as a header, so the header carries it.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
};

/** The Host headers the page answers to: 127.0.0.1 or localhost on its port, nothing else (a rebound DNS name is refused). */
export function allowedHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A short plain-text answer with the security headers. */
function answer(res: http.ServerResponse, status: number, text: string): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8", "content-length": body.length, "cache-control": "no-store" }).end(body);
}

/**
 * Serves the files of `dir` on 127.0.0.1:port, GET and HEAD only, nothing outside `dir`, and only to requests
 * whose Host is 127.0.0.1:port or localhost:port (421 otherwise, so a page on a rebound DNS name reads nothing).
 * A path that is not valid percent-encoding is answered 400; no request stops the server.
 */
export function serveStatic(dir: string, port: number): Promise<http.Server> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    try {
      const listening = (server.address() as AddressInfo).port;
      if (!allowedHost(req.headers.host, listening)) {
        answer(res, 421, `this server answers only http://127.0.0.1:${listening}/ and http://localhost:${listening}/`);
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        answer(res, 405, "method not allowed: GET only");
        return;
      }
      let pathname: string;
      try {
        pathname = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
      } catch {
        answer(res, 400, "bad request: the path is not a valid URL");
        return;
      }
      const file = path.resolve(root, `.${pathname === "/" ? "/index.html" : pathname}`);
      if (!file.startsWith(`${root}${path.sep}`) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        answer(res, 404, "not found");
        return;
      }
      const body = fs.readFileSync(file);
      res.writeHead(200, { ...SECURITY_HEADERS, "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "content-length": body.length, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      if (res.headersSent) res.destroy();
      else answer(res, 500, "the file could not be read");
    }
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
