import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface SqsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts fauxqs in a child process (it is ESM-only; the project and Jest are CommonJS). */
export async function startSqsServer(port = 0): Promise<SqsServer> {
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(__dirname, 'sqs-server.mjs')], {
    env: { ...process.env, FAUXQS_PORT: String(port) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const actual = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('fauxqs did not start within 15 s')), 15_000);
    child.once('exit', (code) => reject(new Error(`fauxqs exited with code ${code} (it needs Node >= 22.5: run through npm scripts)`)));
    rl.once('line', (line) => {
      clearTimeout(timer);
      rl.close();
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        reject(new Error(`fauxqs said: ${line}`));
      }
    });
  });
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
}
