/**
 * The line protocol between the bench runner and its workers (our engine in a Node child, the
 * PyTorch reference in a Python child). One JSON request per stdin line; one JSON reply per stdout
 * line starting with MARK, so stray prints from libraries never break it. Each side is its own
 * process so that its peak RSS and its thread settings are its own.
 *
 * Requests (both workers answer the same ones):
 *   init    {backend?, threads}      -> {info}              load the backend / set threads
 *   load    {model}                  -> {ms, info}          load a checkpoint folder
 *   prepare {workload, input}        -> {tensors?}          untimed set-up of a workload
 *   run     {workload, warmup, collect} -> {ms, output?}    one timed repetition
 *   finish  {workload}               -> {tensors?}          drop the workload's state
 *   stats   {}                       -> {peakRssKb, rssKb}
 *   quit    {}
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export const MARK = '@@bench ';

export interface Request {
  cmd: string;
  [key: string]: unknown;
}

export type Reply = Record<string, unknown>;

/** A worker process spoken to with the line protocol; requests are answered in order. */
export class WorkerClient {
  readonly label: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private readonly stderrTail: string[] = [];
  private exited: string | null = null;

  constructor(label: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.label = label;
    this.child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.startsWith(MARK)) return;
      const reply = JSON.parse(line.slice(MARK.length)) as Reply;
      const next = this.waiting.shift();
      if (!next) return;
      if (reply.ok === false) next.reject(new Error(`${label}: ${String(reply.error)}`));
      else next.resolve(reply);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 30) this.stderrTail.shift();
    });
    const fail = (why: string): void => {
      this.exited = why;
      const tail = this.stderrTail.slice(-8).join('\n    ');
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${label}: worker ${why}${tail ? `\n    ${tail}` : ''}`));
    };
    this.child.on('error', (e) => fail(`could not start (${e.message})`));
    this.child.on('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
  }

  request(req: Request): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(`${this.label}: worker ${this.exited}`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  async quit(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.write(`${JSON.stringify({ cmd: 'quit' })}\n`);
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * Serve the protocol on stdin/stdout (the Node worker's side). `handle` answers one request;
 * errors become {ok:false, error}. Returns when `quit` arrives or stdin closes.
 */
export async function serve(handle: (req: Request) => Promise<Reply> | Reply): Promise<void> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as Request;
    if (req.cmd === 'quit') break;
    let reply: Reply;
    try {
      reply = { ok: true, ...(await handle(req)) };
    } catch (e) {
      reply = { ok: false, error: (e as Error).stack ?? String(e) };
    }
    process.stdout.write(`${MARK}${JSON.stringify(reply)}\n`);
  }
  rl.close();
}
