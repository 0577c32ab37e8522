// JSON-lines logging over pino, shaped for log pipelines that key on a string level and an
// ISO timestamp (CloudWatch, Loki, Elasticsearch) rather than pino's numeric level and epoch ms.
//
// Convention: make a child logger per unit of work carrying the fields that identify it,
// `event` (the SGFE name), `node` and `asg`, so every line about one fallback can be found
// with one query; messages are lower-case past tense and say what happened:
//
//   const log = root.child({ event: 'fallback-1736935245-abcdef', asg: spotAsg });
//   log.info({ from: 3, to: 4 }, 'scaled spot asg');
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LoggerOptions {
  level: LogLevel;
  /** Where JSON lines go; stdout when absent. */
  destination?: NodeJS.WritableStream;
  /** Fields on every line; pino's default (pid, hostname) when absent. */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    ...(options.base ? { base: options.base } : {}),
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
