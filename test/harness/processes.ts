import { readdirSync, readFileSync } from 'node:fs';

interface ProcessRow {
  pid: number;
  ppid: number;
  state: string;
  cmdline: string;
}

function readProcesses(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name sits in parentheses and may itself contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      rows.push({ pid: Number(entry), state: fields[0] ?? '?', ppid: Number(fields[1]), cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return rows;
}

/** Living (not zombie) child processes of `pid`. */
export function liveChildren(pid = process.pid): ProcessRow[] {
  return readProcesses().filter((p) => p.ppid === pid && p.state !== 'Z');
}

/** Living processes anywhere whose command line contains `needle`. */
export function liveProcessesMatching(needle: string): ProcessRow[] {
  return readProcesses().filter((p) => p.state !== 'Z' && p.cmdline.includes(needle));
}
