// Terminal output for commands: the only place that knows about TTYs and colour.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal (progress, prompts). */
  isTTY: boolean;
  /** stdin is a terminal (confirmation prompts). */
  stdinTTY: boolean;
  color: boolean;
}

export interface GlobalArgs {
  config?: string | undefined;
  json: boolean;
  root?: string | undefined;
  color: boolean;
  verbose: boolean;
}

let pipeGuard = false;

/** `aios history | head`: the reader went away. Stop quietly, like any Unix filter, instead of a trace. */
export function guardBrokenPipes(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

export function processIo(wantColor: boolean): Io {
  guardBrokenPipes();
  const isTTY = Boolean(process.stdout.isTTY);
  const noColorEnv = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    isTTY,
    stdinTTY: Boolean(process.stdin.isTTY),
    color: wantColor && isTTY && !noColorEnv,
  };
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof codes;

export function paint(io: Io, colour: Colour, text: string): string {
  return io.color ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
