// The evidence locker, as a practice's security officer uses it: upload a restore-test report
// (a disguised program first, refused), see its SHA-256, link it to the requirement it backs,
// then watch it expire when the (test) clock moves on, in the item, in coverage, and in the
// MSP's list of expiring evidence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { BASE, launch, watchedPage, assertNoProblems, forgive, shot, assertAccessible, signIn } from "./helpers.js";

const ORG = "/orgs/lakeside-family-medicine";
const CLOCK = process.env.SAFEHARBOR_CLOCK_FILE;

function moveClock(days) {
  assert.ok(CLOCK, "scripts/e2e sets SAFEHARBOR_CLOCK_FILE");
  writeFileSync(CLOCK, String(days * 86400));
}

function isoDay(offsetDays) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return d.toISOString().slice(0, 10);
}

test("evidence is uploaded, hashed, linked, and expires under a moved clock", async () => {
  const browser = await launch();
  try {
    const w = await watchedPage(browser);
    const { page } = w;
    await signIn(page, "officer@lakeside.example");
    await page.goto(`${BASE}${ORG}/evidence`);
    await page.getByRole("heading", { level: 1, name: "Evidence locker" }).waitFor();
    await page.getByRole("link", { name: "Backup restore test report" }).waitFor();
    await shot(page, "40-evidence");
    await assertAccessible(page, "evidence locker");

    // A program renamed to .pdf is refused, with the reason, and nothing is added.
    const form = page.locator("form[data-upload]");
    await form.getByLabel(/^File/).setInputFiles({ name: "restore-report.pdf", mimeType: "application/pdf", buffer: Buffer.concat([Buffer.from("MZ\x90\x00"), Buffer.alloc(5000)]) });
    await form.getByLabel("Title").fill("Disguised program");
    await form.getByRole("button", { name: "Upload" }).click();
    await page.getByText("is a Windows program (PE executable), whatever its name says").waitFor();
    // The refusal answers 400 Bad Request on purpose; the browser reports it twice.
    forgive(w, /HTTP 400: .*\/evidence$/);
    forgive(w, /status of 400/);

    // The real report: uploaded with progress, valid for 20 more days.
    const report = Buffer.from("%PDF-1.4\n% Restore test of the EHR database, all tables verified.\n" + "x".repeat(300000));
    const sha = createHash("sha256").update(report).digest("hex");
    await form.getByLabel(/^File/).setInputFiles({ name: "restore-test-q4.pdf", mimeType: "application/pdf", buffer: report });
    await form.getByLabel("Title").fill("EHR restore test, Q4");
    await form.getByLabel("Valid until (optional)").fill(isoDay(20));
    await form.getByLabel("Requirement it backs (optional)").selectOption("164.308(a)(7)(ii)(D)");
    await form.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { level: 1, name: "EHR restore test, Q4" }).waitFor();
    assert.equal((await page.locator("[data-sha256]").textContent()).trim(), sha, "the page shows the file's SHA-256");
    await page.locator("[data-freshness=expiring]").waitFor();
    await shot(page, "41-evidence-item");
    await assertAccessible(page, "evidence item");

    // Link it to a second requirement it backs.
    await page.getByLabel("Add a requirement").selectOption("164.308(a)(7)(ii)(A)");
    await page.getByRole("button", { name: "Save links" }).click();
    await page.getByRole("status").filter({ hasText: "Links saved" }).waitFor();
    await page.getByRole("link", { name: "164.308(a)(7)(ii)(A)" }).waitFor();
    await page.getByRole("link", { name: "164.308(a)(7)(ii)(D)" }).waitFor();
    const itemUrl = page.url();

    // The download is the same bytes.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download" }).click()]);
    const path = await download.path();
    const { readFileSync } = await import("node:fs");
    assert.equal(createHash("sha256").update(readFileSync(path)).digest("hex"), sha);

    // A month later (the test clock moves; the session has long timed out, so sign in again).
    moveClock(31);
    await signIn(page, "officer@lakeside.example");
    await page.goto(itemUrl);
    await page.locator("[data-freshness=expired]").waitFor();
    await page.getByText("Expired", { exact: true }).first().waitFor();
    await page.goto(`${BASE}${ORG}/evidence-coverage`);
    const row = page.locator('tr[data-ref="164.308(a)(7)(ii)(A)"]');
    await row.getByText("EHR restore test, Q4").waitFor();
    await row.getByText("Evidence expiring or expired").waitFor();
    await shot(page, "42-coverage");
    await assertAccessible(page, "coverage");
    await page.goto(`${BASE}${ORG}/evidence?freshness=expired`);
    await page.getByRole("link", { name: "EHR restore test, Q4" }).waitFor();

    // The MSP sees it in the list of evidence expiring across clients.
    await page.getByRole("button", { name: "Sign out" }).click().catch(() => {});
    await signIn(page, "admin@harborview.example");
    await page.getByRole("link", { name: "Expiring evidence" }).click();
    await page.getByRole("heading", { level: 1, name: "Evidence expiring soon" }).waitFor();
    const msp = page.getByRole("row").filter({ hasText: "EHR restore test, Q4" });
    await msp.getByText("Lakeside Family Medicine").waitFor();
    await msp.getByText("Expired").waitFor();
    await shot(page, "43-expiring");
    await assertAccessible(page, "expiring evidence");
    assertNoProblems(w);
  } finally {
    if (CLOCK) { writeFileSync(CLOCK, "0"); }
    await browser.close();
  }
});
