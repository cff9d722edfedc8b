// What the browser tests share: the demo server they start, the browser they drive, and the
// problems a page must never have.
//
// SLUICE_BIN      the binary (default: target/debug/sluice of this repository)
// CHROMIUM        the browser (default: /usr/bin/chromium, Debian's package)

import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const binary = process.env.SLUICE_BIN || join(repo, "target/debug/sluice");
export const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";

// The demo database (100,000 employees) is generated on first start: slow in a debug build.
const START_TIMEOUT_MS = 180_000;
export const STEP_TIMEOUT_MS = 30_000;

// Flags this machine needs: no sandbox as root, and no background calls to Google's hosts,
// which a closed network refuses.
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
  "--disable-sync",
];

/** Starts `sluice demo` and resolves with its URL and API key, read off the banner. */
export function startDemo(dataDir) {
  const server = spawn(binary, ["--data-dir", dataDir, "demo", "--host", "127.0.0.1", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, SLUICE__LOG__LEVEL: "warn" },
  });
  const ready = new Promise((resolveReady, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error("sluice demo did not print its banner in time")), START_TIMEOUT_MS);
    server.on("exit", (code) => reject(new Error(`sluice demo exited early with ${code}`)));
    server.stdout.on("data", (chunk) => {
      output += chunk;
      const url = output.match(/Sluice demo is running at (http:\/\/\S+)/);
      const key = output.match(/API key:\s+([0-9a-f]{64})/);
      // Printed when the demo is created, which it is here: the data dir is new.
      const password = output.match(/Password:\s+([A-Za-z0-9]{24})\n/);
      if (url && key && password) {
        clearTimeout(timer);
        resolveReady({ url: url[1], apiKey: key[1], adminPassword: password[1] });
      }
    });
  });
  return { server, ready };
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Fails the test on anything the page should never do; returns the list to check at the end.
 * `expected401` holds URLs whose 401s a step expects (a refused sign-in); the browser logs
 * those to the console as well. */
export function watchForProblems(page, url, expected401) {
  const problems = [];
  const origin = new URL(url).origin;
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const refusedSignIn = expected401.has(message.location().url) && message.text().includes("401");
    if (message.type() === "error" && !refusedSignIn) problems.push(`console error: ${message.text()}`);
  });
  page.on("response", (response) => {
    const expected = response.status() === 401 && expected401.has(response.url());
    if (response.status() >= 400 && !expected) problems.push(`${response.status()} for ${response.url()}`);
  });
  page.on("request", (request) => {
    const target = request.url();
    if (!target.startsWith(origin) && !target.startsWith("data:")) {
      problems.push(`request outside the gateway: ${target}`);
    }
  });
  return problems;
}
