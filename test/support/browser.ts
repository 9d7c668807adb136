/**
 * Real Chromium for the end-to-end suites: Debian's /usr/bin/chromium driven by playwright-core,
 * and the web app built once per test process into a temporary folder (never the shared web/dist).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'artifacts', 'screenshots');

/** Whether Chromium is installed; in CI its absence is a failure, never a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) throw new Error(`Chromium is required in CI at ${CHROMIUM_PATH} (apt-get install -y chromium; .ci/run does it)`);
  console.warn(`End-to-end browser suites skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium). In CI this fails.`);
  return false;
}

let built: Promise<string> | null = null;
/** `vite build` of web/ into a fresh temporary folder; the same build serves every suite in this process. */
export function buildWebApp(): Promise<string> {
  built ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'curbe-web-'));
    await promisify(execFile)(join(process.cwd(), 'node_modules/.bin/vite'), ['build', '--config', 'web/vite.config.ts'], {
      env: { ...process.env, WEB_OUT_DIR: outDir },
      cwd: process.cwd(),
    });
    return outDir;
  })();
  return built;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // Answering builds a real RTCPeerConnection with a microphone: a fake one, no prompt.
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects the page's errors so a failing test says what the browser saw. */
export function captureConsole(page: Page, label: string): string[] {
  const lines: string[] = [];
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && lines.push(`[${label}] ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`[${label}] pageerror: ${e.message}`));
  return lines;
}
