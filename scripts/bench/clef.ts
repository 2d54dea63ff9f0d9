import { Wallet } from "ethers";
import { openExternal } from "../../lib/signers/external";
import { resolveClef, startClef } from "../../network/clef";

/**
 * Signatures per second through Clef (`npx ts-node scripts/bench/clef.ts [seconds]`, default 10 per
 * keystore cost): legacy transactions signed one after the other over HTTP on 127.0.0.1, for a keystore
 * at the test cost (scrypt N=2^12) and at geth's standard cost (N=2^18), since Clef decrypts the key
 * on every request. Needs clef (CLEF_BIN, a cached build, or QUORUM_SRC).
 */
async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 120) throw new Error(`seconds ${process.argv[2]} must be a number in (0, 120]`);
  const bin = resolveClef().path;
  for (const log2N of [12, 18]) {
    const clef = await startClef({ chainId: 31337, bin, scryptN: 1 << log2N, privateKey: Wallet.createRandom().privateKey });
    try {
      const signer = await openExternal({ name: "bench", backend: "external", url: clef.url, address: clef.address }, null);
      const latencies: number[] = [];
      const started = Date.now();
      for (let nonce = 0; Date.now() - started < seconds * 1000; nonce++) {
        const t = Date.now();
        await signer.signTransaction({ to: clef.address, value: 1n, nonce, gasLimit: 21_000n, gasPrice: 1_000_000_000n, chainId: 31337n });
        latencies.push(Date.now() - t);
      }
      const elapsed = (Date.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const p50 = latencies[Math.floor(latencies.length / 2)];
      const p95 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))];
      console.log(`scrypt N=2^${log2N}: ${latencies.length} signatures in ${elapsed.toFixed(1)} s = ${(latencies.length / elapsed).toFixed(1)}/s, latency p50 ${p50} ms, p95 ${p95} ms`);
    } finally {
      await clef.stop();
    }
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
