import { ethers, EventFragment, Interface } from "ethers";

/** The kinds of contract the ledger reads, by the name the deployment record gives their kind. */
export type LedgerContractKind =
  "DepositToken" | "SecurityToken" | "IssuanceDesk" | "DvPEscrow" | "FxQuotes" | "ParticipantRegistry" | "UpgradeTimelock";

let interfaces: Map<string, Interface> | undefined;
let events: Map<string, Map<string, EventFragment>> | undefined;

/**
 * The ABI of each kind of contract the ledger reads, from the compiled types: loaded on first use, not when
 * a module is imported, because Hardhat's configuration loads the commands (and with them the ledger)
 * before anything is compiled on a fresh checkout.
 */
export function ledgerInterfaces(): Map<string, Interface> {
  if (interfaces === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const t = require("../../typechain-types") as typeof import("../../typechain-types");
    const abis: Record<LedgerContractKind, ethers.InterfaceAbi> = {
      DepositToken: t.DepositToken__factory.abi,
      SecurityToken: t.SecurityToken__factory.abi,
      IssuanceDesk: t.IssuanceDesk__factory.abi,
      DvPEscrow: t.DvPEscrow__factory.abi,
      FxQuotes: t.FxQuotes__factory.abi,
      ParticipantRegistry: t.ParticipantRegistry__factory.abi,
      UpgradeTimelock: t.UpgradeTimelock__factory.abi,
    };
    interfaces = new Map(Object.entries(abis).map(([k, abi]) => [k, new Interface(abi)]));
  }
  return interfaces;
}

/** The ABI of one kind of contract (ledgerInterfaces). */
export function ledgerInterface(kind: LedgerContractKind): Interface {
  return ledgerInterfaces().get(kind)!;
}

/** Each kind's events by topic, hashed once (an Interface hashes every event's signature on each lookup). */
export function ledgerEvents(): Map<string, Map<string, EventFragment>> {
  if (events === undefined) {
    events = new Map([...ledgerInterfaces()].map(([kind, iface]) => {
      const byTopic = new Map<string, EventFragment>();
      iface.forEachEvent((f) => {
        if (!f.anonymous) byTopic.set(f.topicHash, f);
      });
      return [kind, byTopic];
    }));
  }
  return events;
}
