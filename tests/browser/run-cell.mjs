// Opens a notebook in JupyterLab or Notebook 7 in Debian's Chromium, runs its first code cell,
// waits for output containing the expected text (and optional selectors), and takes a screenshot.
// With --run false it runs nothing and waits for what the saved outputs render (e.g. Plotly's svg.main-svg).
//   node run-cell.mjs --url URL --expect TEXT --screenshot FILE [--selector CSS]... [--run false] [--timeout SECONDS]
import { chromium } from "playwright-core";

const args = process.argv.slice(2);
const opt = { selector: [] };
for (let i = 0; i < args.length; i += 2) {
  const key = args[i].replace(/^--/, "");
  if (key === "selector") opt.selector.push(args[i + 1]); else opt[key] = args[i + 1];
}
const timeout = 1000 * Number(opt.timeout || 120);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"],
});
let code = 0;
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const log = [];
page.on("console", (m) => { if (m.type() === "error") log.push(m.text()); });
try {
  await page.goto(opt.url, { waitUntil: "domcontentloaded", timeout });
  const firstCell = page.locator(".jp-CodeCell").first();
  // a static nbconvert page has no editor, only highlighted source
  if (opt.run !== "false") await firstCell.locator(".cm-content").waitFor({ timeout });
  const output = page.locator(".jp-OutputArea-output", { hasText: opt.expect }).first();
  const deadline = Date.now() + timeout;
  if (opt.run === "false") {
    await output.waitFor({ timeout });
    // JupyterLab renders only the cells near the viewport: scroll down until each selector appears, in steps short
    // enough that a figure cell is never skipped between two looks (800 px steps passed over the quickstart's figures).
    for (const sel of opt.selector) {
      while ((await page.locator(sel).count()) === 0) {
        if (Date.now() > deadline) throw new Error("never appeared: " + sel);
        await page.mouse.move(700, 500);
        await page.mouse.wheel(0, 300);
        await page.waitForTimeout(500);
      }
      await page.locator(sel).first().scrollIntoViewIfNeeded();
      await page.locator(sel).first().waitFor({ timeout });
    }
    const count = opt.selector.length ? await page.locator(opt.selector[0]).count() : 0;
    await page.screenshot({ path: opt.screenshot, fullPage: false });
    console.log("ok: found output " + JSON.stringify(opt.expect) + (opt.selector.length ? ", " + count + " x " + opt.selector[0] : ""));
    await browser.close();
    process.exit(0);
  }
  // Run the cell once the kernel takes it: Notebook 7 may first ask which kernel to use, and a run
  // pressed before the session is connected is dropped, so retry until the prompt shows it ran.
  for (;;) {
    const select = page.locator(".jp-Dialog button", { hasText: "Select" });
    if (await select.count() > 0 && await select.first().isVisible()) await select.first().click();
    await firstCell.locator(".cm-content").click();
    await page.keyboard.press("Control+Enter");
    try {
      await page.waitForFunction((cell) => /\[[0-9*]+\]/.test(cell.querySelector(".jp-InputPrompt")?.textContent || ""),
                                 await firstCell.elementHandle(), { timeout: 10000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error("the cell never started running: " + e.message);
    }
  }
  await output.waitFor({ timeout });
  for (const sel of opt.selector) await page.locator(sel).first().waitFor({ timeout });
  await page.screenshot({ path: opt.screenshot, fullPage: true });
  console.log("ok: found output " + JSON.stringify(opt.expect));
} catch (e) {
  code = 1;
  console.error("browser test failed: " + e.message);
  if (log.length) console.error("console errors:\n" + log.join("\n"));
  try { await page.screenshot({ path: opt.screenshot.replace(/\.png$/, "-failed.png"), fullPage: true }); } catch {}
} finally {
  await browser.close();
}
process.exit(code);
