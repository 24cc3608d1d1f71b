// Shared helpers for the browser tests: launching Debian's Chromium, catching console errors
// and failed requests, TOTP codes, accessibility checks and screenshots.
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";

export const BASE = process.env.SAFEHARBOR_URL || "http://127.0.0.1:8080";
export const PASSWORD = "harbor-demo-2026";
const SHOTS = new URL("../screenshots/", import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

// A page that records every console error, page error and failed request; `problems()`
// returns them so a test can fail on any.
export async function watchedPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const f = r.failure();
    // A navigation replaced by the next one is not a failure of the product.
    if (f && f.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} ${f.errorText}`);
  });
  page.on("response", (r) => {
    const type = r.request().resourceType();
    if (r.status() >= 400 && type !== "document") problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { context, page, problems: () => problems };
}

// Removes one expected problem (a form answered 400 on purpose), failing if it is not there.
export function forgive(watched, pattern) {
  const list = watched.problems();
  const i = list.findIndex((p) => pattern.test(p));
  assert.ok(i >= 0, `expected a problem matching ${pattern}`);
  list.splice(i, 1);
}

export function assertNoProblems(watched) {
  assert.deepEqual(watched.problems(), [], "console errors or failed requests");
}

export async function shot(page, name) {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

// WCAG 2 A and AA rules of axe-core; serious and critical findings fail the test.
export async function assertAccessible(page, label) {
  const result = await page.evaluate(async (src) => {
    if (!window.axe) { (0, eval)(src); }
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  }, AXE);
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `accessibility problems on ${label}`);
}

function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

// RFC 6238 code for the time step `offset` steps from now.
export function totp(secret, offset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigInt64BE(BigInt(step));
  const h = createHmac("sha1", base32(secret)).update(msg).digest();
  const o = h[19] & 0xf;
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 1000000).padStart(6, "0");
}

export async function signIn(page, email, code) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (code) {
    await page.waitForURL(/\/login\/mfa/);
    await page.getByLabel("Code").fill(code);
    await page.getByRole("button", { name: "Continue" }).click();
  }
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}
