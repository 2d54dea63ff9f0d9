import { ChildProcess, spawn } from "child_process";
import path from "path";
import { freePort, rpcAnswers as answers } from "../../lib/ports";

export { freePort };

const ROOT = path.join(__dirname, "..", "..");

/**
 * Starts `hardhat node` on 127.0.0.1:port (the hardhat binary itself, so the pid is the node's and killing
 * it stops the node) and waits until it answers; stops it and fails if it does not within a minute.
 */
export async function startHardhatNode(port: number, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const node = spawn(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT, env, stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120 && node.exitCode === null && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 500));
  if (!(await answers(url))) {
    if (node.pid && node.exitCode === null) process.kill(node.pid);
    throw new Error(`hardhat node on port ${port} did not start`);
  }
  return node;
}
