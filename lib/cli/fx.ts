import type { FxQuotes } from "../../typechain-types";
import { FX_QUOTES_KEY, openRecorded } from "../deployment";
import { readTextFile } from "../files";
import { FxQuote, parseQuoteFile, SignedQuoteFile } from "../fx";
import type { CommandContext } from "./context";

/** The deployment's FxQuotes (quoted cross-currency payments); refused naming it when the deployment has none. */
export async function openFxQuotes(ctx: CommandContext): Promise<FxQuotes> {
  return openRecorded<FxQuotes>(ctx.hre, ctx.record, FX_QUOTES_KEY);
}

/** Reads a signed-quote file, naming the option and the file when it is not one. */
export function readQuoteFile(file: string, what: string): SignedQuoteFile & { parsed: FxQuote } {
  return parseQuoteFile(readTextFile(file, `${what} ${file}`), `${what} ${file}`);
}
