import { it } from 'vitest';
import { Fleet } from '/work/main/src/sim/fleet/fleet.js';
import { burst, fleetOptions, runToEnd, mean, finishMs, evenlyPaced } from '/work/main/test/sim/helpers.js';
it('x', () => {
  for (const [b, isl, osl, step] of [[101,350,20,15],[49,3000,150,0.1],[49,3000,150,15]] as const) {
    const trace = burst(b, { inputTokens: isl, outputTokens: osl });
    const f = new Fleet(fleetOptions({ initialReplicas: { prefill: b } }), trace);
    runToEnd(f, step);
    const first = Math.min(...trace.map((r, i) => r.arrivalMs + f.log.ttftMs[i]!));
    const last = Math.max(...trace.map((_, i) => finishMs(f.log, trace, i)));
    console.log(b, isl, mean(f.log.tpotMs), (b * (osl - 1)) / ((last - first) / 1000));
  }
  const trace = evenlyPaced({ ratePerS: 40000 / 3000, durationS: 30, inputTokens: [3000], outputTokens: 150 });
  const f = new Fleet(fleetOptions(), trace); runToEnd(f);
  console.log(mean(f.log.ttftMs), Math.max(...f.log.ttftMs));
});
