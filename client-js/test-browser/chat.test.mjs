// The chat page in Chromium against a real gateway, through a proxy that cuts connections: streaming, cuts at
// random points, a reload in the middle of a reply, going offline, Stop, and two tabs of one conversation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch } from './support/browser.mjs';
import {
  conversation, openChat, pause, random, send, waitForAnswers, waitForPartialReply, waitForStatus, words,
} from './support/chat.mjs';
import { allStarted, startGateway } from './support/gateway.mjs';
import { FaultProxy } from './support/proxy.mjs';

let gateway;
let proxy;
let browser;

before(async () => {
  const started = await allStarted(startGateway('chat', ['--echo-delay', '40ms']), launch());
  [gateway, browser] = started.values;
  started.check();
  proxy = await new FaultProxy(gateway.port).start();
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await gateway?.stop();
});

function assertExactlyOnce(answers, reason = 'complete') {
  for (const answer of answers) {
    assert.equal(answer.messages, 1, `"${answer.text}" shown ${answer.messages} times`);
    assert.equal(answer.replies, 1, `reply to ${answer.cseq} shown ${answer.replies} times`);
    assert.equal(answer.done, reason, `reply to ${answer.cseq} ended ${answer.done}`);
    assert.equal(answer.reply, answer.text, `reply to ${answer.cseq}: every word once, in order`);
  }
}

test('a reply streams in word by word', async () => {
  const page = await openChat(browser.context, proxy.url, 'stream');
  await waitForStatus(page, 'connected');
  const text = words('stream', 30);
  await send(page, text);
  const partial = await waitForPartialReply(page, text);
  assert.ok(text.startsWith(partial) && partial.length < text.length, `a part of the reply first: "${partial}"`);
  assertExactlyOnce(await waitForAnswers(page, [text]));
  await page.close();
});

test('connections cut at random points: every reply complete, every word once', async (t) => {
  const seed = Number(process.env.TETHER_SEED ?? Date.now() % 100_000);
  t.diagnostic(`seed ${seed} (TETHER_SEED=${seed} replays these cuts)`);
  const next = random(seed);
  const page = await openChat(browser.context, proxy.url, 'cuts', '&baseDelayMs=150&maxDelayMs=600');
  await waitForStatus(page, 'connected');
  const texts = [];
  let cuts = 0;
  for (let m = 1; m <= 4; m++) {
    const text = words(`cut${m}`, 40);
    texts.push(text);
    await send(page, text);
    for (let c = 0; c < 3; c++) {
      await pause(next() * 500);
      if (next() < 0.5) {
        proxy.cutAll();
      } else {
        await page.getByTestId('drop').click();
      }
      cuts++;
      await waitForStatus(page, ['resumed', 'connected']);
    }
  }
  const answers = await waitForAnswers(page, texts);
  assertExactlyOnce(answers);
  assert.equal((await conversation(page)).messages.length, texts.length, 'one message per text');
  assert.ok(cuts >= 12);
  await page.close();
});

test('a reload in the middle of a reply: the rest arrives, nothing twice', async () => {
  const page = await openChat(browser.context, proxy.url, 'reload');
  await waitForStatus(page, 'connected');
  const first = words('before', 5);
  await send(page, first);
  await waitForAnswers(page, [first]);
  const text = words('reload', 50);
  await send(page, text);
  await waitForPartialReply(page, text);
  await page.reload();
  await waitForStatus(page, ['resumed', 'connected']);
  assertExactlyOnce(await waitForAnswers(page, [first, text]));
  await page.close();
});

test('offline: two messages wait as queued, and are stored once and answered when the network is back', async () => {
  const page = await openChat(browser.context, proxy.url, 'offline');
  await waitForStatus(page, 'connected');
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Network.enable');
  const network = (offline) => Promise.all([
    cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 }),
    browser.context.setOffline(offline),
  ]);
  await network(true);
  // The network going away takes the open connection with it; the emulation only stops new ones.
  proxy.cutAll();
  await waitForStatus(page, 'offline');
  const texts = [words('offline-a', 6), words('offline-b', 6)];
  for (const text of texts) {
    await send(page, text);
  }
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="message"][data-status="queued"]').length === 2,
    null, { polling: 50, timeout: 10_000 });
  await network(false);
  assertExactlyOnce(await waitForAnswers(page, texts));
  await cdp.detach();
  await page.close();
});

test('Stop cancels the reply in progress and keeps what it had written', async () => {
  const page = await openChat(browser.context, proxy.url, 'stop');
  await waitForStatus(page, 'connected');
  const text = words('stop', 60);
  await send(page, text);
  await waitForPartialReply(page, text);
  await page.getByTestId('stop').click();
  const [answer] = await waitForAnswers(page, [text]);
  assert.equal(answer.done, 'cancelled');
  assert.ok(text.startsWith(answer.reply) && answer.reply.length < text.length, `a prefix: "${answer.reply}"`);
  await page.close();
});

test('two tabs show the same replies; closing the tab that holds the connection hands it to the other', async () => {
  const first = await openChat(browser.context, proxy.url, 'tabs');
  await waitForStatus(first, 'connected');
  const second = await openChat(browser.context, proxy.url, 'tabs');
  await waitForStatus(second, ['connected', 'resumed']);
  const roles = async () => [await first.evaluate(() => window.tether.role),
    await second.evaluate(() => window.tether.role)];
  assert.deepEqual(await roles(), ['leader', 'follower']);
  const upgrades = proxy.upgrades;

  const fromFirst = words('tab1', 8);
  const fromSecond = words('tab2', 8);
  await send(first, fromFirst);
  await send(second, fromSecond);
  for (const page of [first, second]) {
    assertExactlyOnce(await waitForAnswers(page, [fromFirst, fromSecond]));
  }
  assert.equal(proxy.upgrades, upgrades, 'one connection serves both tabs');

  const handedOver = words('handover', 50);
  await send(second, handedOver);
  await waitForPartialReply(first, handedOver);
  await first.close({ runBeforeUnload: true });
  await second.waitForFunction(() => window.tether.role === 'leader', null, { polling: 50, timeout: 30_000 });
  assertExactlyOnce(await waitForAnswers(second, [fromFirst, fromSecond, handedOver]));
  const after = words('after', 5);
  await send(second, after);
  assertExactlyOnce(await waitForAnswers(second, [after]));
  await second.close();
});

test('no page error', () => {
  assert.deepEqual(browser.errors.map(String), []);
});
