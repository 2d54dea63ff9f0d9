/** Where commands write: the terminal by default; tests capture it. */
export interface Output {
  line(text: string): void;
  error(text: string): void;
}

const terminal: Output = {
  line: (text) => console.log(text),
  error: (text) => console.error(text),
};

let sink: Output = terminal;

/** Replaces the output sink and returns the previous one (tests restore it). */
export function setOutput(output: Output): Output {
  const previous = sink;
  sink = output;
  return previous;
}

export const out: Output = {
  line: (text) => sink.line(text),
  error: (text) => sink.error(text),
};

/** Prints rows as aligned columns under a header. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  out.line(fmt(header));
  for (const r of rows) out.line(fmt(r));
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/**
 * Amounts for --json: each as an integer string in the token's smallest unit under its name, and as
 * formatted text with its unit under name + "Text" (`{ amount: "125000000", amountText: "1,250,000.00 USD" }`).
 */
export function amountsJson(fmt: (v: bigint) => string, amounts: Record<string, bigint>): Record<string, string> {
  const json: Record<string, string> = {};
  for (const [name, value] of Object.entries(amounts)) {
    json[name] = value.toString();
    json[`${name}Text`] = fmt(value);
  }
  return json;
}
