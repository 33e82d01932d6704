import { spawn } from 'node:child_process';

/**
 * Runs one of the project's install/build scripts, passing its progress (stderr) through, and returns the last
 * line it printed on stdout (the path it produced). A failure carries the script's last words (why, what to do).
 */
export function runScript(script: string, args: string[] = []): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const lastLine = out.trim().split('\n').pop() ?? '';
      if (code === 0 && lastLine) return resolveRun(lastLine);
      const said = err.trim().split('\n').slice(-2).map((line) => line.replace(/^\[mpdflow\] /, '')).join(' ');
      reject(new Error(`${script} failed with exit code ${code}${said ? `: ${said}` : ''}`));
    });
  });
}
