import { HDNodeWallet, Mnemonic } from "ethers";
import { DEV_MNEMONIC, nodeKeys, PREFUNDED_ACCOUNTS } from "./genesis";
import { Call, drive, LoadResult } from "./load";
import { runMain } from "./main";
import { rpcUrl } from "./node";
import { LinkProfile, sitesDown, sitesUp, TWO_NEAR_TWO_FAR } from "./sites";

/**
 * `npm run bench:sites [-- --seconds 10] [--window 1000] [--json]`: throughput and latency of plain value
 * transfers between the prefunded development accounts on the 4 validators in sites (network/sites.ts),
 * against the round-trip time between the sites: the same RTT on every link (0, 10, 40, 100 ms: latency
 * toxics of RTT/2 each way) and one named profile of two near data centres and two far ones. The sites
 * network is made for the run and removed after it, whatever happens; the local network is not touched.
 */
export const PROFILES: LinkProfile[] = [
  ...[0, 10, 40, 100].map((rtt): LinkProfile => ({ name: `RTT ${rtt} ms`, apply: (links) => links.rttAll(rtt) })),
  TWO_NEAR_TWO_FAR,
];

interface Options {
  seconds: number;
  window: number;
  json: boolean;
}

function options(argv: string[]): Options {
  const result: Options = { seconds: 10, window: 1000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") result.json = true;
    else if (arg === "--seconds" || arg === "--window") {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value <= 0) throw new Error(`${arg} "${argv[i] ?? ""}": expected a positive whole number`);
      result[arg.slice(2) as "seconds" | "window"] = value;
    } else throw new Error(`unknown option "${arg}" (options: --seconds N, --window N, --json)`);
  }
  if (result.seconds > 120) throw new Error(`--seconds ${result.seconds}: at most 120 per profile`);
  return result;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const log = opts.json ? () => undefined : (line: string) => console.log(line);
  const mnemonic = Mnemonic.fromPhrase(DEV_MNEMONIC);
  const wallets = Array.from({ length: PREFUNDED_ACCOUNTS }, (_, i) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`));
  const links = await sitesUp(log);
  const report: (LoadResult & { profile: string })[] = [];
  try {
    const urls = nodeKeys().map(rpcUrl);
    for (const profile of PROFILES) {
      await links.reset();
      await profile.apply(links);
      let seq = 0;
      const n = wallets.length;
      const result = await drive({
        name: "value transfer", wallets,
        next: (): Call => {
          const i = seq++;
          return { from: i % n, to: wallets[(i + 1) % n].address, value: 1n, gasLimit: 21_000n };
        },
      }, { urls, seconds: opts.seconds, window: opts.window, presign: opts.seconds * 800 });
      report.push({ profile: profile.name, ...result });
      log(`${profile.name.padEnd(70)} ${result.tps.toFixed(0).padStart(5)} tx/s  p50 ${String(result.latencyMs.p50).padStart(5)} ms  p95 ${String(result.latencyMs.p95).padStart(5)} ms  (${result.mined} mined in ${result.blocks} blocks, ${result.seconds.toFixed(1)} s)`);
    }
  } finally {
    await sitesDown(log);
  }
  if (opts.json) console.log(JSON.stringify(report, null, 2));
}

runMain(main);
