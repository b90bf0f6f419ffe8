/**
 * Published dense BF16 tensor peaks (TFLOPS) by card, most specific names first: the same table
 * the agent scores its benchmark against (provider-agent/src/benchmark/mod.rs).
 */
const PEAKS: [string[], number][] = [
  [['H200'], 989],
  [['H100', 'NVL'], 835],
  [['H100', 'PCIe'], 756],
  [['H100'], 989],
  [['A100'], 312],
  [['L40S'], 362],
  [['RTX 4090'], 165.2],
  [['L4'], 121],
];

/** The card's peak BF16 TFLOPS, when it is in the table. */
export function peakTflops(model: string): number | null {
  return PEAKS.find(([names]) => names.every((n) => model.includes(n)))?.[1] ?? null;
}
