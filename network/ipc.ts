import net from "net";

/**
 * JSON-RPC over a node's IPC socket (GoQuorum's `<datadir>/geth.ipc`, Besu's `besu.ipc`): the one interface
 * that serves the admin and QBFT voting APIs. Reaching it takes access to the node's data folder on its own
 * machine, not a network port. One request per connection, bounded by `timeoutMs`.
 */
export class IpcError extends Error {
  constructor(readonly socket: string, message: string) {
    super(`${socket}: ${message}`);
    this.name = "IpcError";
  }
}

export function ipcCall<T>(socket: string, method: string, params: unknown[] = [], timeoutMs = 5_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const conn = net.connect({ path: socket });
    let buffer = "";
    const finish = (error: Error | undefined, value?: T) => {
      clearTimeout(timer);
      conn.destroy();
      if (error) reject(error);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(new IpcError(socket, `${method} got no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    conn.on("connect", () => conn.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })}\n`));
    conn.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let reply: { result?: T; error?: { message: string } };
      try {
        reply = JSON.parse(buffer) as typeof reply;
      } catch {
        return; // the answer is not complete yet
      }
      if (reply.error) finish(new IpcError(socket, `${method}: ${reply.error.message}`));
      else finish(undefined, reply.result);
    });
    conn.on("error", (e) => finish(new IpcError(socket, `cannot connect (${(e as NodeJS.ErrnoException).code ?? e.message}): is the node running?`)));
    conn.on("close", () => finish(new IpcError(socket, `${method}: the node closed the connection without an answer`)));
  });
}
