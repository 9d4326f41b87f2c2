// The web app in real Chromium (Debian's, headless): drawing, the inspector, training in the
// worker, and model files both ways with the CLI. Screenshots go to test/web/screenshots/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { decodeModel } from '../../src/index.js';
import { mainThreadTasks } from './main-thread-tasks.js';
import { one, stroke, zero, type Point } from './strokes.js';
import { glassbox, screenshots, startTestSite, type TestSite } from './test-site.js';

const chromiumPath = '/usr/bin/chromium';
const skip = existsSync(chromiumPath)
  ? false
  : `${chromiumPath} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`;

async function guessAfterDrawing(page: Page, points: Point[]): Promise<string> {
  await page.click('#pad-clear');
  const box = await page.locator('#pad').boundingBox();
  assert.ok(box, 'the drawing pad is on the page');
  await stroke(page.mouse, box, points);
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#guess')?.dataset.digit !== '');
  return (await page.locator('#guess').getAttribute('data-digit')) ?? '';
}

describe('the web app in Chromium', { skip }, () => {
  let site: TestSite;
  let folder: string;
  let browser: Browser;
  let page: Page;
  let defaultModel: string;
  let videoModel: string;
  const problems: string[] = [];
  let loadMilliseconds = 0;

  before(async () => {
    await mkdir(screenshots, { recursive: true });
    // Two small models trained by the CLI: the default the server offers, and the video's
    // 784-16-16-10 for the page to open as a file.
    site = await startTestSite();
    folder = site.folder;
    defaultModel = site.defaultModel;
    videoModel = path.join(folder, 'video.gbx');
    glassbox('train', '--preset', '3b1b', '--epochs', '3', '--limit', '30000', '--test-limit', '1000',
      '--json', '--out', videoModel);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(site.server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    loadMilliseconds = await page.evaluate(() => performance.now());
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  test('opens with the default model the server offers, and shows no console errors', async (t) => {
    t.diagnostic(`the page, its model and the 10,000 test digits loaded in ${Math.round(loadMilliseconds)} ms`);
    await page.waitForSelector('#model-status[data-architecture="784-64-10"]');
    assert.match(await page.locator('#model-status').textContent() ?? '', /models\/default\.gbx/);
    await page.waitForSelector('#errors-summary[data-accuracy]', { timeout: 20_000 });
    const accuracy = Number(await page.locator('#errors-summary').getAttribute('data-accuracy'));
    assert.ok(accuracy > 0.9, `test accuracy ${accuracy}`);
    assert.deepEqual(problems, []);
  });

  test('reads a "1" and a "0" drawn with mouse strokes', async (t) => {
    assert.equal(await guessAfterDrawing(page, one), '1');
    const update = await page.locator('#update-time').getAttribute('data-milliseconds');
    t.diagnostic(`the last update (read the pad, preprocess, run the network, redraw) took ${update} ms`);
    await page.screenshot({ path: path.join(screenshots, 'draw-one.png') });
    assert.equal(await guessAfterDrawing(page, zero), '0');
    await page.screenshot({ path: path.join(screenshots, 'draw-zero.png') });
    // What the network sees is the drawing, preprocessed: some pixels lit, most dark.
    const lit = await page.locator('#seen').evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 128) count++;
      return count;
    });
    assert.ok(lit > 40 && lit < 400, `${lit} lit pixels in the 28×28 view`);
    assert.deepEqual(problems, []);
  });

  test('opens a neuron by click and by keyboard: its bias and weight image', async () => {
    const bytes = new Uint8Array(await readFile(defaultModel));
    const { network } = decodeModel(bytes, { source: defaultModel });
    const first = network.denseLayers()[0];
    await page.click('.neuron-hit[data-layer="1"] >> nth=0');
    const title = page.locator('#inspector .inspector-title');
    const index = Number(await page.locator('.neuron-hit[data-layer="1"] >> nth=0').getAttribute('data-index'));
    assert.equal(await title.textContent(), `Hidden layer 1, neuron ${index}`);
    const bias = first.bias.value.data[index];
    const biasBox = page.locator('#inspector .value', { hasText: 'bias b' });
    const shown = (await biasBox.locator('.amount').textContent())!;
    assert.equal(Number(shown.replace('−', '-')), Number(bias.toFixed(2)));
    assert.match(await page.locator('#inspector .bias').textContent() ?? '', /threshold|passes|fires/);
    const weightImage = page.locator('#inspector .heat-map >> nth=0');
    const colours = await weightImage.evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<string>();
      for (let i = 0; i < data.length; i += 4) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
      return { width: canvas.width, height: canvas.height, distinct: seen.size };
    });
    assert.deepEqual([colours.width, colours.height], [28, 28]);
    assert.ok(colours.distinct > 50, `${colours.distinct} colours in the weight image`);
    await page.screenshot({ path: path.join(screenshots, 'inspector.png') });

    // The keyboard: the network is one tab stop; arrows move, Enter opens.
    await page.focus('.neuron-hit[tabindex="0"]');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.match(await title.textContent() ?? '', /^Output neuron “1”$/);
    const bars = await page.locator('#inspector canvas.bars').count();
    assert.ok(bars > 0, 'deeper neurons show their weights as bars');
    assert.match(await page.locator('#inspector .curve-figure figcaption').textContent() ?? '', /softmax/);
    assert.deepEqual(problems, []);
  });

  test('opens a model the CLI saved and reads with it; a file that is not one gets a clear error', async () => {
    const notAModel = { name: 'notes.gbx', mimeType: 'text/plain', buffer: Buffer.from('hello') };
    await page.setInputFiles('#model-open', notAModel);
    await page.waitForSelector('#model-notice.problem');
    const notice = (await page.locator('#model-notice').textContent()) ?? '';
    assert.match(notice, /^notes\.gbx: .*too short for a model file/);
    assert.equal(await page.locator('#model-status').getAttribute('data-architecture'), '784-64-10');
    await page.setInputFiles('#model-open', videoModel);
    await page.waitForSelector('#model-status[data-architecture="784-16-16-10"]');
    assert.equal(await page.locator('#model-notice').isHidden(), true);
    assert.equal(await page.locator('.neuron-hit').count(), 16 + 16 + 10);
    assert.equal(await guessAfterDrawing(page, one), '1');
    await page.click('.neuron-hit[data-layer="2"] >> nth=5');
    await page.waitForSelector('#errors-summary[data-accuracy]', { timeout: 20_000 });
    await page.locator('#see').screenshot({ path: path.join(screenshots, 'video-network.png') });
    await page.locator('#features').screenshot({ path: path.join(screenshots, 'features.png') });
    assert.deepEqual(problems, []);
  });

  test('takes one backprop step that makes the chosen digit more likely', async () => {
    await guessAfterDrawing(page, one);
    await page.selectOption('#step-target', '7');
    await page.click('#step-apply');
    const report = (await page.locator('#step-result').textContent()) ?? '';
    const match = /went from ([\d.]+)% to ([\d.]+)%/.exec(report);
    assert.ok(match, report);
    assert.ok(Number(match[2]) > Number(match[1]), report);
    await page.locator('#learn').screenshot({ path: path.join(screenshots, 'backprop-step.png') });
    await page.click('#step-undo');
    assert.deepEqual(problems, []);
  });

  test('shows the confusion matrix, confident mistakes, and its answer to noise', async () => {
    await page.waitForSelector('#errors-summary[data-accuracy]', { timeout: 20_000 });
    const total = await page.locator('table.confusion td').evaluateAll((cells) =>
      cells.reduce((sum, cell) => sum + (Number(cell.textContent) || 0), 0));
    assert.equal(total, 10_000);
    assert.ok(await page.locator('#mistakes .mistake').count() > 0);
    await page.click('#noise-button');
    const confidence = Number(await page.locator('#noise-result').getAttribute('data-confidence'));
    assert.ok(confidence > 0 && confidence <= 1, `confidence ${confidence}`);
    await page.locator('#errors').screenshot({ path: path.join(screenshots, 'errors.png') });
    assert.deepEqual(problems, []);
  });

  test('trains in the worker: accuracy rises, the page stays responsive, the CLI opens the result', async (t) => {
    await page.evaluate(() => {
      const record = window as unknown as { longTasks: number[] };
      record.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) record.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
    });
    let initial = NaN;
    const busyBefore = loadavg()[0];
    const tasks = await mainThreadTasks(page, async () => {
      await page.click('#train-start');
      await page.waitForSelector('#train-status[data-initial-accuracy]', { timeout: 30_000 });
      initial = Number(await page.locator('#train-status').getAttribute('data-initial-accuracy'));
      // While it trains, the page still answers: a drawing is read, a neuron opens.
      await guessAfterDrawing(page, zero);
      await page.click('.neuron-hit[data-layer="1"] >> nth=2');
      await page.waitForFunction(
        () => Number(document.querySelector<HTMLElement>('#train-status')?.dataset.steps) >= 400,
        undefined,
        { timeout: 60_000 },
      );
      await page.click('#train-pause');
      await page.waitForSelector('#train-status[data-running="false"]');
    });
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    await page.locator('#train').screenshot({ path: path.join(screenshots, 'training.png') });
    await page.locator('#see').screenshot({ path: path.join(screenshots, 'trained-network.png') });
    const final = Number(await page.locator('#train-status').getAttribute('data-test-accuracy'));
    assert.ok(final > initial + 0.3, `test accuracy went from ${initial} to ${final}`);

    // No main-thread task over 50 ms of the page's own work: CPU time, from Chromium's trace.
    // The wall-clock long tasks the page itself sees are reported, not held: on this 2-core
    // machine they also count the time the page's thread waited for a core (the training
    // worker, Chromium's own threads, the host), and tests never assert on wall-clock time.
    // Held to 50 ms whenever the load average said the machine was quiet, they failed 2 of 12
    // runs on 2026-11-24 (long tasks of 70 and 77 ms, whose heaviest task took 17-20 ms of CPU).
    const heaviest = tasks.reduce((most, task) => (task.cpu > most.cpu ? task : most), { wall: 0, cpu: 0 });
    t.diagnostic(
      `${tasks.length} main-thread tasks while training; the heaviest took ${heaviest.cpu.toFixed(1)} ms ` +
        `of CPU (${heaviest.wall.toFixed(1)} ms of wall time); ` +
        `long tasks seen by the page: [${longTasks.join(', ')}] (load ${loadavg()[0].toFixed(1)} on ` +
        `${cpus().length} CPUs, ${busyBefore.toFixed(1)} before)`,
    );
    assert.ok(tasks.length > 100, 'the trace recorded the main thread');
    assert.ok(heaviest.cpu <= 50, `a main-thread task took ${heaviest.cpu.toFixed(1)} ms of CPU`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#model-save')]);
    const saved = path.join(folder, download.suggestedFilename());
    await download.saveAs(saved);
    const { network, info } = decodeModel(new Uint8Array(await readFile(saved)), { source: saved });
    assert.deepEqual(network.neuronLayers().map((layer) => layer.size), [784, 16, 16, 10]);
    assert.equal(info.loss, 'cross-entropy');
    const evaluation = JSON.parse(glassbox('eval', saved, '--limit', '1000', '--json')) as { accuracy: number };
    assert.ok(evaluation.accuracy > 0.5, `glassbox eval measured ${evaluation.accuracy}`);
    assert.deepEqual(problems, []);
  });

  test('fits a phone screen without sideways scrolling, and reads a digit drawn by touch', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true,
    });
    phone.on('pageerror', (error) => problems.push(`phone page error: ${error.message}`));
    await phone.goto(site.server.url);
    await phone.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    // A finger: touch events straight from the browser's input layer, as a phone sends them.
    const box = await phone.locator('#pad').boundingBox();
    assert.ok(box);
    const touch = await phone.context().newCDPSession(phone);
    const scale = box.width / 280;
    // The stroke's corners, with a point half way along each side between them.
    const points = one.flatMap(([x, y], i) =>
      i === 0 ? [[x, y]] : [[(one[i - 1][0] + x) / 2, (one[i - 1][1] + y) / 2], [x, y]]);
    for (const [i, [x, y]] of points.entries()) {
      await touch.send('Input.dispatchTouchEvent', {
        type: i === 0 ? 'touchStart' : 'touchMove',
        touchPoints: [{ x: box.x + x * scale, y: box.y + y * scale }],
      });
    }
    await touch.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await phone.waitForFunction(() => document.querySelector<HTMLElement>('#guess')?.dataset.digit === '1');
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await phone.screenshot({ path: path.join(screenshots, 'phone.png') });
    await phone.click('.neuron-hit[data-layer="1"] >> nth=4');
    await phone.locator('#see .network-panel').scrollIntoViewIfNeeded();
    await phone.screenshot({ path: path.join(screenshots, 'phone-network.png') });
    await phone.close();
    assert.deepEqual(problems, []);
  });
});
