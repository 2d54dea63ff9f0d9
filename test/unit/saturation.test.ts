import { expect } from "chai";
import {
  boundBy, cpuMsPerTx, hostTicks, kneeIndex, latencyAt, Limits, MODES, niceMax, pairedRatio, plotSvg, procTicks, StepMeasure, stopReason, summarize,
} from "../../network/saturation";
import { options } from "../../network/bench-qbft";

/** A step with nothing near a limit, overridden where a test needs it. */
function step(window: number, tps: number, p95Ms: number, over: Partial<StepMeasure> = {}): StepMeasure {
  return {
    window, sentTps: tps, tps, p50Ms: Math.round(p95Ms * 0.8), p95Ms, p99Ms: p95Ms + 100,
    validatorCpu: 60, generatorCpu: 20, hostCpu: 100, gasUsedRatio: { mean: 0.2, max: 0.3 }, txpool: { pending: 100, queued: 0 },
    ...over,
  };
}
const limits: Limits = { blockPeriodSeconds: 1, cores: 2, txpoolSlots: 32_768, txpoolQueue: 8_192 };

describe("bench:qbft saturation search (network/saturation.ts)", function () {
  describe("stopping", function () {
    it("goes on while throughput rises by more than 5% and p95 stays within three block periods", function () {
      expect(stopReason([step(100, 100, 1200), step(200, 180, 1300)], 1)).to.equal(undefined);
    });
    it("stops as saturated when throughput rose by less than 5% from the previous step", function () {
      expect(stopReason([step(100, 100, 1200), step(200, 104, 1900)], 1)).to.equal("saturated");
      expect(stopReason([step(100, 100, 1200), step(200, 90, 1900)], 1)).to.equal("saturated");
    });
    it("stops on latency once p95 passes three block periods, whatever the throughput did", function () {
      expect(stopReason([step(100, 100, 1200), step(200, 190, 3001)], 1)).to.equal("latency");
      expect(stopReason([step(100, 100, 1200), step(200, 190, 3001)], 2)).to.equal(undefined);
    });
    it("does not call a single step saturated", function () {
      expect(stopReason([step(100, 100, 1200)], 1)).to.equal(undefined);
    });
  });

  describe("latency at a share of saturation", function () {
    const steps = [step(100, 100, 1000), step(200, 200, 1200), step(400, 300, 2000)];
    it("interpolates between the steps around the throughput", function () {
      expect(latencyAt(steps, 250).p95Ms).to.equal(1600);
      expect(latencyAt(steps, 200).p95Ms).to.equal(1200);
    });
    it("takes the first step below its throughput (the unloaded latency)", function () {
      expect(latencyAt(steps, 50).p95Ms).to.equal(1000);
    });
  });

  describe("the knee", function () {
    it("is the first step whose p95 is more than 1.25 times the first step's", function () {
      expect(kneeIndex([step(100, 100, 1000), step(200, 200, 1200), step(400, 300, 1300), step(800, 310, 3000)])).to.equal(2);
    });
    it("is absent while latency stays flat", function () {
      expect(kneeIndex([step(100, 100, 1000), step(200, 200, 1100)])).to.equal(undefined);
    });
  });

  describe("the bound rule", function () {
    it("names the load generator first when its process used 85% of a core, even with full blocks", function () {
      expect(boundBy(step(100, 100, 1000, { generatorCpu: 90, gasUsedRatio: { mean: 0.95, max: 1 } }), limits)).to.equal("load generator");
    });
    it("names the load generator when it ran out of calls signed ahead", function () {
      expect(boundBy(step(100, 100, 1000, { starved: true, hostCpu: 195, validatorCpu: 150 }), limits)).to.equal("load generator");
      expect(boundBy(step(100, 100, 1000, { starved: false, hostCpu: 195, validatorCpu: 150 }), limits)).to.equal("validator CPU");
    });
    it("names block gas when blocks were on average 80% full", function () {
      expect(boundBy(step(100, 100, 1000, { gasUsedRatio: { mean: 0.85, max: 0.97 }, hostCpu: 195 }), limits)).to.equal("block gas");
      expect(boundBy(step(100, 100, 1000, { gasUsedRatio: { mean: 0.75, max: 0.97 } }), limits)).to.not.equal("block gas");
    });
    it("names the transaction pool when pending or queued reached 90% of its slots", function () {
      expect(boundBy(step(100, 100, 1000, { txpool: { pending: 30_000, queued: 0 } }), limits)).to.equal("txpool");
      expect(boundBy(step(100, 100, 1000, { txpool: { pending: 10, queued: 7_500 } }), limits)).to.equal("txpool");
    });
    it("names the validators' CPU when the machine was 90% busy on every core and the validators used half of it", function () {
      expect(boundBy(step(100, 100, 1000, { hostCpu: 181, validatorCpu: 91 }), limits)).to.equal("validator CPU");
      expect(boundBy(step(100, 100, 1000, { hostCpu: 181, validatorCpu: 89 }), limits)).to.equal("other processes' CPU");
      expect(boundBy(step(100, 100, 1000, { hostCpu: 179 }), limits)).to.equal("unattributed");
    });
    it("names latency when nothing was at its limit but p95 passed three block periods", function () {
      expect(boundBy(step(100, 100, 3500), limits)).to.equal("latency");
    });
  });

  it("summarises a search: the best step, its latencies at 50% and 90%, the knee and the bound", function () {
    const steps = [step(100, 100, 1000), step(200, 190, 1200), step(400, 300, 1800, { hostCpu: 190, validatorCpu: 150 }), step(800, 305, 3200)];
    const s = summarize(steps, limits);
    expect(s).to.deep.include({ tps: 305, window: 800, kneeWindow: 400, stoppedBy: "latency", boundBy: "latency" });
    expect(s.at50.p95Ms).to.equal(Math.round(1000 + (152.5 - 100) / 90 * 200));
    expect(s.at90.p95Ms).to.equal(Math.round(1200 + (274.5 - 190) / 110 * 600));
  });

  it("labels a search that ended while throughput still rose as not reached, whatever the machine did", function () {
    const steps = [step(100, 100, 1000, { hostCpu: 195 }), step(200, 190, 1100, { hostCpu: 195 })];
    expect(summarize(steps, limits)).to.deep.include({ boundBy: "not reached", stoppedBy: "last step" });
    expect(summarize([...steps, step(400, 195, 1300, { hostCpu: 195, validatorCpu: 150 })], limits)).to.deep.include({ boundBy: "validator CPU", stoppedBy: "saturated" });
  });

  it("applies the bound rule to the step that stopped the search, not to the best one", function () {
    const steps = [step(100, 100, 1000), step(200, 190, 1200, { gasUsedRatio: { mean: 0.6, max: 0.7 } }), step(400, 185, 3300, { gasUsedRatio: { mean: 0.9, max: 1 } })];
    expect(summarize(steps, limits)).to.deep.include({ tps: 190, window: 200, boundBy: "block gas", stoppedBy: "latency" });
  });

  describe("reading /proc", function () {
    it("sums utime and stime of a process, its command holding spaces and parentheses", function () {
      const line = "4242 (geth (x) y) S 1 4242 4242 0 -1 4194560 9 0 0 0 1234 567 0 0 20 0 20 0 100 0 0";
      expect(procTicks(line)).to.equal(1234 + 567);
    });
    it("counts the machine's busy ticks without idle and iowait", function () {
      expect(hostTicks("cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n")).to.deep.equal({ busy: 160, total: 1000 });
    });
  });

  describe("the plot", function () {
    const svg = plotSvg([
      { name: "value <transfer>", steps: [{ window: 100, tps: 100, p95Ms: 1200 }, { window: 200, tps: 200, p95Ms: 1300 }], kneeWindow: 200 },
      { name: "batch", unit: "payments/s", steps: [{ window: 100, tps: 50, p95Ms: 2000 }] },
    ], "title & more", 1);
    it("draws a throughput and a p95 line per workload, a knee where there is one, escaped text", function () {
      expect(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).to.equal(true);
      expect(svg.match(/class="tps"/g)).to.have.length(2);
      expect(svg.match(/class="p95"/g)).to.have.length(2);
      expect(svg.match(/class="knee"/g)).to.have.length(1);
      expect(svg).to.include("value &lt;transfer&gt;").and.include("title &amp; more");
      expect(svg).to.include(">200 tx/s<").and.include(">50 payments/s<");
      expect(svg.trimEnd().endsWith("</svg>")).to.equal(true);
    });
    it("places the points on round axes: window 100 of 200 mid-way, 200 of 200 tx/s at the top right", function () {
      // panel 0: x from 70 to 380, y from 241 (0) to 86 (the axis maximum, 200)
      expect(svg).to.include('class="tps" points="225.0,163.5 380.0,86.0"');
    });
    it("rounds axis maxima up to 1, 2 or 5 times a power of ten", function () {
      expect([niceMax(170), niceMax(200), niceMax(201), niceMax(4100), niceMax(0)]).to.deep.equal([200, 200, 500, 5000, 1]);
    });
  });

  describe("the paired ratio", function () {
    const busy = { baselineCpu: 180, subjectCpu: 180 };
    it("gives each pair's ratio in order, the median of an odd count, and the range", function () {
      const r = pairedRatio([
        { baselineTps: 800, subjectTps: 680, ...busy, first: "baseline" },
        { baselineTps: 900, subjectTps: 810, ...busy, first: "subject" },
        { baselineTps: 600, subjectTps: 480, ...busy, first: "baseline" },
      ]);
      expect(r.ratios).to.deep.equal([0.85, 0.9, 0.8]);
      expect(r).to.deep.include({ median: 0.85, min: 0.8, max: 0.9 });
    });
    it("takes the mean of the middle two for an even count, so one outlying pair does not move it", function () {
      const r = pairedRatio([
        { baselineTps: 100, subjectTps: 80, ...busy, first: "baseline" },
        { baselineTps: 100, subjectTps: 84, ...busy, first: "subject" },
        { baselineTps: 100, subjectTps: 86, ...busy, first: "baseline" },
        { baselineTps: 100, subjectTps: 150, ...busy, first: "subject" },
      ]);
      expect(r.median).to.be.closeTo(0.85, 1e-12);
      expect(r.max).to.equal(1.5);
    });
    it("gives the validators' CPU per transaction of the subject against the baseline's, whatever the throughput", function () {
      // 180% of a core at 900 tx/s is 2 ms a transaction; 120% at 480 tx/s is 2.5 ms: 1.25x
      expect(cpuMsPerTx(180, 900)).to.equal(2);
      const r = pairedRatio([
        { baselineTps: 900, subjectTps: 480, baselineCpu: 180, subjectCpu: 120, first: "baseline" },
        { baselineTps: 500, subjectTps: 500, baselineCpu: 100, subjectCpu: 110, first: "subject" },
        { baselineTps: 800, subjectTps: 700, baselineCpu: 160, subjectCpu: 175, first: "baseline" },
      ]);
      expect(r.cpuPerTxRatios.map((x) => Number(x.toFixed(6)))).to.deep.equal([1.25, 1.1, 1.25]);
      expect(r.cpuPerTxMedian).to.be.closeTo(1.25, 1e-12);
    });
    it("refuses no pairs, and a pair of which a step moved nothing or had no validator CPU", function () {
      expect(() => pairedRatio([])).to.throw("no pairs measured");
      expect(() => pairedRatio([{ baselineTps: 0, subjectTps: 10, ...busy, first: "baseline" }])).to.throw("a pair whose steps did not both move transactions");
      expect(() => pairedRatio([{ baselineTps: 10, subjectTps: 10, baselineCpu: 0, subjectCpu: 10, first: "baseline" }])).to.throw("a pair whose steps did not both move transactions");
      expect(() => pairedRatio([{ baselineTps: 10, subjectTps: 10, baselineCpu: 10, subjectCpu: 0, first: "subject" }])).to.throw("a pair whose steps did not both move transactions");
    });
  });

  describe("options", function () {
    it("defaults to the short mode's steps and takes the full mode's", function () {
      expect(options([])).to.deep.include({ mode: "short", seconds: MODES.short.seconds, windows: [...MODES.short.windows], pairs: MODES.short.pairs });
      expect(options(["--mode", "full", "--seconds", "3"])).to.deep.include({ mode: "full", seconds: 3, windows: [...MODES.full.windows], pairs: MODES.full.pairs });
    });
    it("takes --pairs, 0 for none", function () {
      expect(options(["--pairs", "5"]).pairs).to.equal(5);
      expect(options(["--pairs", "0"]).pairs).to.equal(0);
      expect(() => options(["--pairs", "-1"])).to.throw('--pairs "-1": expected a positive whole number');
    });
    it("refuses a wrong option in one line naming it", function () {
      expect(() => options(["--mode", "long"])).to.throw('--mode "long": expected short or full');
      expect(() => options(["--windows", "200,100"])).to.throw('--windows "200,100": expected rising numbers');
      expect(() => options(["--windows", "100,x"])).to.throw('--windows "x": expected a positive whole number');
      expect(() => options(["--plot", "out.png"])).to.throw('--plot "out.png": expected a file name ending in .svg');
      expect(() => options(["--window", "600"])).to.throw('unknown option "--window"');
      expect(() => options(["--participants", "11"])).to.throw("--participants: an even number");
    });
  });
});
