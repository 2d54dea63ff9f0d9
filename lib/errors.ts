import { ethers, Interface } from "ethers";

/** Finds the revert data in an error thrown by ethers or by a Hardhat provider. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
    for (const key of ["error", "info", "cause", "data"]) stack.push((e as Record<string, unknown>)[key]);
  }
  return undefined;
}

/** A decoded custom error: its name and arguments by name. */
export interface DecodedError {
  name: string;
  args: Record<string, string>;
}

/** Decodes revert data against the given contract interfaces (the first that knows the selector). */
export function decodeRevert(data: string, interfaces: Interface[]): DecodedError | undefined {
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (!parsed) continue;
      const args: Record<string, string> = {};
      parsed.fragment.inputs.forEach((input, i) => {
        const value: unknown = parsed.args[i];
        args[input.name || `arg${i}`] = typeof value === "bigint" ? value.toString() : String(value);
      });
      return { name: parsed.name, args };
    } catch {
      // not this interface's error
    }
  }
  if (data.startsWith("0x08c379a0")) {
    const [reason] = ethers.AbiCoder.defaultAbiCoder().decode(["string"], ethers.dataSlice(data, 4));
    return { name: "Error", args: { reason: String(reason) } };
  }
  return undefined;
}

/** One line saying why a call failed: the custom error by name with its arguments, or the plain message. */
export function describeError(error: unknown, interfaces: Interface[]): string {
  const data = revertData(error);
  const decoded = data ? decodeRevert(data, interfaces) : undefined;
  if (decoded) {
    const args = Object.entries(decoded.args).map(([k, v]) => `${k}=${v}`).join(", ");
    return args ? `${decoded.name}(${args})` : decoded.name;
  }
  if (error instanceof Error) {
    const short = (error as { shortMessage?: string }).shortMessage;
    return short ?? error.message.split("\n")[0];
  }
  return String(error);
}
