import { readFileSync } from 'node:fs';

/** Peak resident memory of a live process, in MB, from the kernel's high-water mark. */
export function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024;
}
