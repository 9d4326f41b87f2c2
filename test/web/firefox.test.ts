// The web app in real Firefox (Debian's firefox-esr, headless), driven over WebDriver BiDi by
// puppeteer-core: it opens with its default model and no console errors or warnings, reads a
// drawn "1", and opens a neuron from the keyboard. The screenshot goes to test/web/screenshots/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { decodeModel } from '../../src/index.js';
import { one, stroke } from './strokes.js';
import { screenshots, startTestSite, type TestSite } from './test-site.js';

const firefoxPath = '/usr/bin/firefox-esr';
const skip = existsSync(firefoxPath)
  ? false
  : `${firefoxPath} is missing: install Debian's firefox-esr (apt-get install firefox-esr) ` +
    'to run the Firefox tests';

/** Text of an element, or '' when there is none. */
async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? '').catch(() => '');
}

/** An attribute of the element `selector` finds, or null when it has none. */
async function attributeOf(page: Page, selector: string, name: string): Promise<string | null> {
  return page.$eval(selector, (element, attribute) => element.getAttribute(attribute), name);
}

describe('the web app in Firefox', { skip }, () => {
  let site: TestSite;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  let loadMilliseconds = 0;

  before(async () => {
    await mkdir(screenshots, { recursive: true });
    site = await startTestSite();
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      // A fresh profile inside the test's folder, removed with it.
      userDataDir: path.join(site.folder, 'firefox-profile'),
      defaultViewport: { width: 1440, height: 900 },
      // Puppeteer's profile already points updates, safe browsing and telemetry at a dummy host;
      // these two background checks would otherwise still look for the internet.
      extraPrefsFirefox: {
        'network.captive-portal-service.enabled': false,
        'network.connectivity-service.enabled': false,
      },
    });
    page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
    // Firefox does not log a failed fetch to the console as Chromium does, so count them here.
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    await page.goto(site.server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    loadMilliseconds = await page.evaluate(() => performance.now());
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test('opens with the default model the server offers, and shows no console errors', async (t) => {
    t.diagnostic(`${await browser.version()}: the page, its model and the test digits loaded in ` +
      `${Math.round(loadMilliseconds)} ms`);
    await page.waitForSelector('#model-status[data-architecture="784-64-10"]');
    assert.match(await textOf(page, '#model-status'), /models\/default\.gbx/);
    // The accuracy comes from the analysis worker, so this also shows workers run in Firefox.
    await page.waitForSelector('#errors-summary[data-accuracy]', { timeout: 20_000 });
    const accuracy = Number(await attributeOf(page, '#errors-summary', 'data-accuracy'));
    assert.ok(accuracy > 0.9, `test accuracy ${accuracy}`);
    assert.deepEqual(problems, []);
  });

  test('reads a "1" drawn with mouse strokes', async (t) => {
    await page.click('#pad-clear');
    const box = await (await page.$('#pad'))!.boundingBox();
    assert.ok(box, 'the drawing pad is on the page');
    await stroke(page.mouse, box, one);
    await page.waitForFunction(() =>
      document.querySelector<HTMLElement>('#guess')?.dataset.digit !== '');
    assert.equal(await attributeOf(page, '#guess', 'data-digit'), '1');
    const update = await attributeOf(page, '#update-time', 'data-milliseconds');
    t.diagnostic(`one update (read the pad, preprocess, run the network, redraw): ${update} ms`);
    assert.deepEqual(problems, []);
  });

  test('opens a neuron by keyboard: one tab stop, arrows move, Enter shows its bias', async () => {
    // Tab from the top of the page until the network has focus, then once more: it is one stop.
    const onNeuron = (): Promise<boolean> =>
      page.evaluate(() => document.activeElement?.classList.contains('neuron-hit') ?? false);
    let presses = 0;
    while (!(await onNeuron()) && presses < 100) {
      await page.keyboard.press('Tab');
      presses++;
    }
    assert.ok(await onNeuron(), `Tab reached no neuron in ${presses} presses`);
    await page.keyboard.press('Tab');
    assert.equal(await onNeuron(), false, 'a second Tab leaves the network');
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    assert.ok(await onNeuron(), 'Shift+Tab comes back to the network');

    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const title = '#inspector .inspector-title';
    await page.waitForFunction((selector) =>
      document.querySelector(selector)?.textContent === 'Output neuron “1”', {}, title);

    // The bias shown is the model file's: output neuron 1's, to two places.
    const { network } = decodeModel(new Uint8Array(await readFile(site.defaultModel)),
      { source: site.defaultModel });
    const bias = network.denseLayers()[1].bias.value.data[1];
    const shown = await page.$$eval('#inspector .value', (boxes) =>
      boxes.find((box) => box.querySelector('.label')?.textContent === 'bias b')
        ?.querySelector('.amount')?.textContent ?? '');
    assert.equal(Number(shown.replace('−', '-')), Number(bias.toFixed(2)));
    assert.ok((await textOf(page, '#inspector .bias')).startsWith(`b = ${shown}. `),
      'the bias section explains the same bias');
    await page.screenshot({ path: path.join(screenshots, 'firefox.png') });
    assert.deepEqual(problems, []);
  });
});
