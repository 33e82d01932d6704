import { spawn } from 'node:child_process';

/**
 * Runs one of the project's install/build scripts, passing its progress (stderr) through,
 * and returns the last line it printed on stdout (the path it produced).
 */
export function runScript(script: string, args: string[] = []): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const lastLine = out.trim().split('\n').pop() ?? '';
      if (code === 0 && lastLine) resolveRun(lastLine);
      else reject(new Error(`${script} failed with exit code ${code}`));
    });
  });
}
