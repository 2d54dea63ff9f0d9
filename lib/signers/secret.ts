import fs from "fs";

/**
 * A PIN or password: from `file` (its first line; the file must not be readable by group or others), or
 * asked at the terminal without echo. Never from the command line or the environment. `what` names it
 * in messages ("the PIN of account \"issuer\"").
 */
export async function readSecret(file: string | undefined, what: string): Promise<string> {
  if (file !== undefined) return readSecretFile(file, what);
  if (!process.stdin.isTTY) throw new Error(`${what} has no file given and there is no terminal to ask it at`);
  return askHidden(`${what}: `);
}

/** The first line of a secret file; refused when missing, empty, or readable by group or others. */
export function readSecretFile(file: string, what: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${what}: file ${file} does not exist`);
  }
  if (!stat.isFile()) throw new Error(`${what}: ${file} is not a file`);
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    throw new Error(`${what}: file ${file} can be read by others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  const secret = fs.readFileSync(file, "utf8").split(/\r?\n/)[0];
  if (secret === "") throw new Error(`${what}: file ${file} is empty`);
  return secret;
}

/** Asks at the terminal, echoing nothing; Ctrl-C aborts. */
async function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let typed = "";
    const done = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === "\u0003") return done(new Error("cancelled at the prompt"));
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on("data", onData);
  });
}
