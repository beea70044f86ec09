/** Spawning our scripts as child processes under the runtime the tests run in. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { STEPS } from "../scripts/_steps.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;

/**
 * The command line that runs `scripts/<name>.ts` with `args` in this runtime: under Node,
 * a step through the `cloudfront-lets` command as npm's scripts run it (bundled), any
 * other script through tsx.
 */
export function scriptCommand(name: string, args: string[]): [string, string[]] {
  const script = `${ROOT}scripts/${name}.ts`;
  if (isDeno) return [process.execPath, ["run", "-A", "--no-check", script, ...args]];
  if (Object.hasOwn(STEPS, name)) {
    return [process.execPath, [`${ROOT}bin/cloudfront-lets.mjs`, name, ...args]];
  }
  return [process.execPath, ["--import", "tsx", script, ...args]];
}

/**
 * Runs a script to completion. Asynchronous on purpose: a test's own servers (s3rver)
 * run in the test process and must keep answering while the script runs.
 */
export function runScript(
  name: string,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, argv] = scriptCommand(name, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: "1" } });
    child.stdin.end(input ?? "");
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts a script and SIGKILLs it as soon as its stderr matches `when`.
 * Resolves with whether the kill happened before the script finished.
 */
export function runAndKill(name: string, args: string[], when: RegExp): Promise<boolean> {
  const [cmd, argv] = scriptCommand(name, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    let err = "";
    let killed = false;
    child.stderr.on("data", (d) => {
      err += d;
      if (!killed && when.test(err)) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stdout.resume();
    child.on("error", reject);
    child.on("close", () => resolve(killed));
  });
}
