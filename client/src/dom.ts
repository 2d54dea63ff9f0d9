import { Refused } from "./state";

/** The page element a selector names (one that is missing is a fault of the page, said as such). */
export const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`page element ${selector} is missing`);
  return el;
};

export function el(tag: string, text = "", className = ""): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  return e;
}

export function row(cells: (string | HTMLElement)[], classes: string[] = []): HTMLTableRowElement {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => {
    const td = document.createElement("td");
    if (typeof c === "string") td.textContent = c;
    else td.append(c);
    if (classes[i]) td.className = classes[i];
    tr.append(td);
  });
  return tr;
}

export function fillTable(selector: string, rows: HTMLTableRowElement[], empty: string): void {
  const body = $(`${selector} tbody`);
  body.replaceChildren(...rows);
  if (rows.length === 0) {
    const td = el("td", empty, "empty");
    (td as HTMLTableCellElement).colSpan = $(`${selector} thead tr`).children.length;
    const tr = document.createElement("tr");
    tr.append(td);
    body.append(tr);
  }
}

/** Shows the outcome of the last action and keeps it in the activity list. */
export function show(kind: "ok" | "refused" | "busy", text: string): void {
  const result = $("#result");
  result.hidden = false;
  result.className = kind;
  result.textContent = text;
  if (kind !== "busy") $("#log").prepend(el("li", `${new Date().toISOString().slice(11, 19)} ${text}`, kind));
}

export const field = (form: HTMLFormElement, name: string): string => ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? "");

export async function readFileInput(form: HTMLFormElement, name: string, what: string): Promise<{ text: string; name: string }> {
  const file = (form.elements.namedItem(name) as HTMLInputElement).files?.[0];
  if (!file) throw new Refused(`choose the ${what}`);
  return { text: await file.text(), name: `${what} ${file.name}` };
}
