import fs from "fs";

/** Whether a process with this pid runs (one owned by another user counts: it runs). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims `file` for this process: creates it exclusively, holding this pid, unless a living process holds
 * it (and claimed it less than `maxAgeMs` ago, when given). Of processes claiming at the same moment one
 * alone gets it; a stale claim (its process ended, or older than `maxAgeMs`) is replaced. A file that does
 * not hold a pid counts as held. The caller releases it by removing the file.
 */
export function claimFile(file: string, maxAgeMs = Infinity): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    try {
      const owner = Number(fs.readFileSync(file, "utf8"));
      if (Date.now() - fs.statSync(file).mtimeMs < maxAgeMs && !(owner > 0 && !processAlive(owner))) return false;
      fs.rmSync(file, { force: true });
    } catch (e) {
      // Removed meanwhile by its owner or by another process replacing it: try again.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  return false;
}
