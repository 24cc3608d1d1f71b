// The security risk analysis, as a practice's security officer and the MSP's staff walk it:
// import part of the inventory from an RMM export (a bad row first), add a suggested risk to
// the register and accept it, answer a questionnaire item so the gap becomes a risk (without
// a page load), see what is missing before finalizing and follow its link to the item, finalize
// with the practice's sign-off, download the report, see the plan and the inherited controls;
// then the MSP sees every client's currency and the overdue work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, watchedPage, assertNoProblems, forgive, shot, assertAccessible, signIn } from "./helpers.js";

const ORG = "/orgs/lakeside-family-medicine";

function nav(page, name) {
  return page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
}

test("a security officer works the risk analysis and the MSP sees where every client stands", async () => {
  const browser = await launch();
  try {
    const w = await watchedPage(browser);
    const { page } = w;
    await signIn(page, "officer@lakeside.example");
    await page.getByRole("heading", { level: 1, name: "Lakeside Family Medicine" }).waitFor();

    // The inventory, with the MSP's VoIP, SD-WAN and hosted desktops.
    await nav(page, "Assets");
    await page.getByRole("heading", { level: 1, name: "Asset and ePHI inventory" }).waitFor();
    for (const name of ["VoIP phone system and voicemail", "SD-WAN edge, main clinic", "Hosted desktops (DaaS)"]) {
      await page.getByRole("link", { name }).waitFor();
    }
    await shot(page, "20-assets");
    await assertAccessible(page, "assets");

    // Import from an RMM export: a bad row stops the whole file, then the fixed file imports.
    await page.getByRole("link", { name: "Import from CSV" }).click();
    const bad = "Hostname,Device Type,Site,BitLocker\nFD-PC-09,workstation,Lakeside Main Clinic,true\nXRAY-2,toaster,,false\n";
    await page.getByLabel("Or paste the CSV").fill(bad);
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByText("Line 3, kind: must be one of").waitFor();
    forgive(w, /status of 400/); // the preview with errors answers 400 Bad Request, on purpose
    await shot(page, "21-import-errors");
    await assertAccessible(page, "import with errors");
    await page.getByLabel("Or paste the CSV").fill(bad.replace("toaster", "medical_device"));
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByRole("cell", { name: "XRAY-2" }).waitFor();
    await page.getByRole("button", { name: "Import 2 assets" }).click();
    await page.getByRole("status").filter({ hasText: "2 assets imported" }).waitFor();

    // A suggested threat becomes a risk in one click, then an administrator accepts it.
    await page.getByRole("link", { name: "FD-PC-09" }).click();
    await page.getByRole("heading", { name: "Threats and vulnerabilities the library suggests" }).waitFor();
    await shot(page, "22-asset-suggestions");
    await assertAccessible(page, "asset");
    await page.getByRole("button", { name: "Add to register" }).first().click();
    await page.getByRole("status").filter({ hasText: "Risk added with an inherent score" }).waitFor();
    await page.getByLabel("Rationale").fill("Kiosk PC without local storage; reviewed with the MSP");
    await page.getByRole("button", { name: "Accept risk" }).click();
    await page.getByRole("status").filter({ hasText: "Risk accepted" }).waitFor();
    await page.getByText("Kiosk PC without local storage").waitFor();

    // The register with its heat maps.
    await nav(page, "Risk register");
    await page.getByRole("table", { name: "Inherent risk (likelihood × impact)" }).waitFor();
    await page.getByRole("cell", { name: "FD-PC-09" }).first().waitFor();
    await shot(page, "23-risk-register");
    await assertAccessible(page, "risk register");

    // This year's analysis: a gap becomes a risk without leaving the page (htmx).
    await nav(page, "Risk assessment");
    await page.getByRole("link", { name: /Continue the \d{4} assessment/ }).click();
    await page.getByRole("heading", { name: "Progress" }).waitFor();
    const item = page.locator("#item-164-308-a-6-ii");
    await item.getByLabel("Status").selectOption("not_implemented");
    await item.getByLabel("A risk to the register").check();
    await item.getByLabel("Risk: likelihood").selectOption("2");
    await item.getByLabel("Risk: impact").selectOption("2");
    const before = page.url();
    await item.getByRole("button", { name: "Save answer" }).click();
    await page.locator("#item-164-308-a-6-ii").getByText("risk added to the register").waitFor();
    assert.equal(page.url(), before, "answered in place");
    await shot(page, "24-questionnaire");
    await assertAccessible(page, "questionnaire");

    // Finalizing first says what is missing, each with a link that lands on the item.
    await page.getByRole("link", { name: "Review what is missing and finalize" }).click();
    await page.getByRole("heading", { name: /Still missing/ }).waitFor();
    assert.equal(await page.getByRole("button", { name: /^Finalize/ }).count(), 0, "no finalize while anything is missing");
    await shot(page, "24b-finalize-missing");
    await assertAccessible(page, "finalize with gaps");
    const gap = page.getByRole("listitem").filter({ hasText: "164.308(a)(5)(ii)(A)" });
    await gap.getByRole("link", { name: "Answer the item" }).click();
    const reminders = page.locator("#item-164-308-a-5-ii-A");
    await reminders.waitFor();
    assert.ok(page.url().endsWith("#item-164-308-a-5-ii-A"), page.url());
    await reminders.getByLabel("Status").selectOption("implemented");
    await reminders.getByLabel(/How it is implemented/).fill("Monthly security reminders resumed in June, sent by the officer");
    await reminders.getByRole("button", { name: "Save answer" }).click();
    await reminders.getByText("Saved.").waitFor();

    // Nothing missing: the practice's officer finalizes, signing off in the same step. The
    // analysis becomes a locked snapshot with its hash; the forms are gone.
    await page.getByRole("link", { name: "Review what is missing and finalize" }).click();
    await page.getByRole("heading", { name: "Nothing is missing" }).waitFor();
    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "Finalize the risk analysis (and sign off as client administrator)" }).click();
    await page.getByRole("status").filter({ hasText: "it is now a locked snapshot" }).waitFor();
    await page.getByText("(verified)").waitFor();
    assert.equal(await page.getByRole("button", { name: "Save answer" }).count(), 0, "read-only once final");

    // The report, as PDF and as a web page.
    const pdfHref = await page.getByRole("link", { name: "Report (PDF)" }).getAttribute("href");
    const pdf = await page.request.get(`${BASE}${pdfHref}`);
    assert.equal(pdf.status(), 200);
    assert.equal((await pdf.body()).subarray(0, 5).toString(), "%PDF-");
    await page.getByRole("link", { name: "Report (web page)" }).click();
    await page.getByRole("heading", { name: "Risk management plan (", exact: false }).waitFor();
    await shot(page, "25-report");
    await assertAccessible(page, "report");

    // The plan shows the task and residual risk over time.
    await nav(page, "Risk plan");
    await page.getByRole("cell", { name: /Reduce risk/ }).first().waitFor();
    await page.getByRole("img", { name: /Total current risk score/ }).waitFor();
    await shot(page, "26-plan");
    await assertAccessible(page, "plan");

    // Controls the MSP delivers appear as inherited, read-only.
    await nav(page, "Controls");
    await page.getByRole("heading", { name: "Delivered by the provider (read-only)" }).waitFor();
    await page.getByRole("cell", { name: "Managed backup with daily off-site copies" }).waitFor();
    await shot(page, "27-controls");
    await assertAccessible(page, "controls");
    await page.goto(`${BASE}${ORG}/threats`);
    await page.getByRole("heading", { level: 1, name: "Threat and vulnerability library" }).waitFor();
    await assertAccessible(page, "threat library");
    assertNoProblems(w);
    await w.context.close();

    // The MSP: every client's risk analysis at a glance, and the overdue work.
    const msp = await watchedPage(browser);
    await signIn(msp.page, "staff@harborview.example");
    await msp.page.getByRole("columnheader", { name: "Risk analysis" }).waitFor();
    await msp.page.getByRole("link", { name: /^Current until/ }).first().waitFor();
    await msp.page.getByRole("link", { name: /^Due soon/ }).first().waitFor();
    await shot(msp.page, "28-home-currency");
    await assertAccessible(msp.page, "home with currency");
    await msp.page.getByRole("link", { name: "Overdue work", exact: true }).click();
    await msp.page.getByRole("heading", { level: 1, name: "Overdue work across your clients" }).waitFor();
    await shot(msp.page, "29-overdue");
    await assertAccessible(msp.page, "overdue work");
    assertNoProblems(msp);
    await msp.context.close();
  } finally {
    await browser.close();
  }
});
