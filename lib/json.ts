// Browser-safe: the client page reads signed files through this module, so it imports nothing of node.

/**
 * Where a text stops being JSON, in words: "it breaks at line L, column C" from the parser's character
 * position, "it breaks at an unexpected "x"" when the parser names only the character, "it ends too early".
 */
function breakPoint(text: string, error: unknown): string {
  const message = (error as Error).message ?? "";
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined && Number(position) < text.trimEnd().length) {
    const before = text.slice(0, Number(position)).split("\n");
    return `it breaks at line ${before.length}, column ${before[before.length - 1].length + 1}`;
  }
  const token = /^Unexpected token '(.+?)'/.exec(message)?.[1];
  return token === undefined ? "it ends too early" : `it breaks at an unexpected "${token}"`;
}

/**
 * Parses JSON that should be `kind` ("a signed-trade file", "a deployment record"), checked by `isKind`;
 * refuses in one sentence naming `what` (an option and its file, a form field): an empty text, where the
 * text stops being JSON, or JSON of another kind. Never the parser's own message.
 */
export function parseJson<T>(text: string, what: string, kind: string, isKind: (value: unknown) => boolean = isObject): T {
  if (text.trim() === "") throw new Error(`${what} is empty; it should be ${kind}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON (${breakPoint(text, e)}); it should be ${kind}`);
  }
  if (!isKind(value)) throw new Error(`${what} is JSON but not ${kind} (it holds ${jsonKind(value)})`);
  return value as T;
}

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object of another kind";
  return `a ${typeof value}`;
}
