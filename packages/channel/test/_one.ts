import { runSeed } from './support/consistency.js';
const seed = Number(process.argv[2]); const steps = Number(process.argv[3] ?? 80);
try { console.log(runSeed(seed, steps)); } catch (e) { console.log((e as Error).message.slice(0, 3000)); }
