/**
 * Two costs of the Hardhat plugins' objects, removed for every process that loads hardhat.config.ts (the
 * tests, the commands, the scripts); installed from there, after the plugins.
 *
 * 1. `hre.ethers` and `hre.upgrades` are still made on first use, but read without a stack trace. The
 *    plugins hand them out inside Hardhat's lazyObject proxy, which makes and formats a stack trace on every
 *    property read (its guard against a web3.js require cycle): with ts-node's source maps, about 10 s of the
 *    test workers' CPU in one `npm test`. Each is copied, on first use, through that proxy's descriptor
 *    traps, which take no trace, into a plain object behind a proxy of our own that takes none.
 * 2. `hre.ethers.getContractAt(name, ...)` and `hre.ethers.getContractFactory(name, ...)` parse each ABI
 *    once per process: ethers builds an Interface (every fragment and parameter an object) for each contract
 *    object, about 3 ms for the deposit token's 151 entries (the key, the ABI as JSON text, about 0.15 ms).
 *    The Interface is immutable, so every contract object of one ABI shares one. The artifact is still read
 *    on every call (a recompiled ABI is a new key); a factory whose bytecode needs libraries linked goes to
 *    the plugin as before.
 */

import type { Interface, InterfaceAbi } from "ethers";
import { extendEnvironment } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

type Ethers = HardhatRuntimeEnvironment["ethers"];

/** The plain object behind a lazyObject proxy, read through its descriptor traps only. */
function plainCopy<T extends object>(lazy: T): T {
  return Object.defineProperties({}, Object.getOwnPropertyDescriptors(lazy)) as T;
}

/** `ethers` with getContractAt and getContractFactory sharing one Interface per ABI (see above). */
function parsingEachAbiOnce(hre: HardhatRuntimeEnvironment, ethers: Ethers): Ethers {
  const parsed = new Map<string, Interface>();
  const parse = (abi: InterfaceAbi): Interface => {
    const key = JSON.stringify(abi);
    let iface = parsed.get(key);
    if (!iface) parsed.set(key, (iface = new ethers.Interface(abi)));
    return iface;
  };
  const { getContractAt, getContractFactory } = ethers;
  const at = async (nameOrAbi: unknown, address: unknown, signer?: unknown) => {
    const abi = typeof nameOrAbi === "string" ? parse((await hre.artifacts.readArtifact(nameOrAbi)).abi) : nameOrAbi;
    return (getContractAt as (...a: unknown[]) => Promise<unknown>)(abi, address, signer);
  };
  const factory = async (...args: unknown[]) => {
    const [name, signerOrOptions] = args;
    const original = () => (getContractFactory as (...a: unknown[]) => Promise<unknown>)(...args);
    if (typeof name !== "string" || args.length > 2) return original();
    // A signer has a provider; factory options ({ signer, libraries }) do not (the plugin's own test).
    const options = signerOrOptions !== undefined && !(typeof signerOrOptions === "object" && signerOrOptions !== null && "provider" in signerOrOptions)
      ? (signerOrOptions as { signer?: unknown; libraries?: Record<string, unknown> })
      : undefined;
    if (options && Object.keys(options.libraries ?? {}).length > 0) return original();
    const artifact = await hre.artifacts.readArtifact(name);
    if (artifact.bytecode === "0x" || Object.keys(artifact.linkReferences ?? {}).length > 0) return original();
    return (getContractFactory as (...a: unknown[]) => Promise<unknown>)(parse(artifact.abi), artifact.bytecode, options ? options.signer : signerOrOptions);
  };
  return Object.assign(ethers, { getContractAt: at, getContractFactory: factory }) as Ethers;
}

/**
 * A stand-in for `lazy` that makes its plain copy (then `make` of it) at the first use of any of its
 * properties, as Hardhat's lazyObject does, but takes no stack trace. A read of `hre.ethers` itself is no use:
 * Hardhat copies the environment's properties into the global scope for tests before solidity-coverage puts
 * its provider in place, and the object must be made after that, as the plugin's own is.
 */
export function withoutTrace<T extends object>(lazy: T, make: (plain: T) => T): T {
  let real: T | undefined;
  const target = () => (real ??= make(plainCopy(lazy)));
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(target(), key),
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    // Reported configurable: a proxy may not report a property its (empty) target lacks as fixed.
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(target(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
}

/** Installs both (hardhat.config.ts, after the plugins that define `hre.ethers` and `hre.upgrades`). */
export function pluginObjectsWithoutTraces(): void {
  extendEnvironment((hre) => {
    hre.ethers = withoutTrace(hre.ethers, (ethers) => parsingEachAbiOnce(hre, ethers));
    hre.upgrades = withoutTrace(hre.upgrades, (upgrades) => upgrades);
  });
}
