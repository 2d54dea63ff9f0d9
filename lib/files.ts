import fs from "fs";
import { Failure } from "./failure";
import { parseJson, isObject } from "./json";

/**
 * The text of a file, refusing in one sentence naming `what` (an option and its file, or the file): a file
 * that does not exist (NOT_FOUND), a folder, one that cannot be read. Never node's ENOENT message.
 */
export function readTextFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Failure("NOT_FOUND", `${what} does not exist`);
    if (code === "EISDIR") throw new Error(`${what} is a folder, not a file`);
    if (code === "EACCES" || code === "EPERM") throw new Error(`${what} cannot be read: permission denied`);
    throw new Error(`${what} cannot be read (${code ?? (e as Error).message.split("\n")[0]})`);
  }
}

/** Reads a JSON file of `kind` (see parseJson), refusing in one sentence naming `what` and what is wrong. */
export function readJsonFile<T>(file: string, what: string, kind: string, isKind: (value: unknown) => boolean = isObject): T {
  return parseJson<T>(readTextFile(file, what), what, kind, isKind);
}
