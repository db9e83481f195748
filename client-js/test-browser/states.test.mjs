// The page's eight connection states, each brought about for real (a held or refused upgrade, a cut, an offline
// browser, a restarted gateway that lost the session, an ended session) and photographed into test-browser/output/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, screenshot } from './support/browser.mjs';
import { openChat, send, waitForAnswers, waitForStatus } from './support/chat.mjs';
import { allStarted, startGateway } from './support/gateway.mjs';
import { FaultProxy, Mode } from './support/proxy.mjs';

const GATEWAY_FLAGS = ['--echo-delay', '60ms'];

const gateways = [];
let proxy;
let browser;

before(async () => {
  const started = await allStarted(startGateway('states-1', GATEWAY_FLAGS), launch());
  const [gateway] = started.values;
  browser = started.values[1];
  if (gateway) {
    gateways.push(gateway);
  }
  started.check();
  proxy = await new FaultProxy(gateway.port).start();
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await Promise.all(gateways.map((gateway) => gateway.stop()));
});

async function shows(page, name) {
  await waitForStatus(page, name);
  const detail = await page.getByTestId('status-detail').textContent();
  await screenshot(page, `state-${name.replace(' ', '-')}`);
  return detail;
}

test('the eight states, each with its own colour and words', async () => {
  const colours = new Map();
  const colour = async (page) => page.evaluate(
    () => getComputedStyle(document.querySelector('.status-dot')).backgroundColor);

  proxy.mode = Mode.HOLD;
  // Finite, quick retries, so that "failed" comes within seconds.
  const page = await openChat(browser.context, proxy.url, 'states', '&baseDelayMs=300&maxAttempts=4');
  await shows(page, 'connecting');
  colours.set('connecting', await colour(page));

  proxy.mode = Mode.PASS;
  proxy.cutAll();
  await shows(page, 'connected');
  colours.set('connected', await colour(page));
  const hello = 'Hello Tether! Drop the connection in the middle of a reply and watch it resume.';
  await send(page, hello);
  await waitForAnswers(page, [hello]);

  proxy.mode = Mode.REFUSE;
  const long = 'This reply keeps streaming while the connection is down. The gateway writes every word to the '
    + 'session’s log before it sends it, so after the resume the page gets the rest exactly once, in order, as if '
    + 'nothing had happened.';
  await send(page, long);
  await page.getByTestId('drop').click();
  const retrying = await shows(page, 'reconnecting');
  assert.match(retrying, /attempt \d+ of 4/);
  colours.set('reconnecting', await colour(page));

  proxy.mode = Mode.PASS;
  assert.match(await shows(page, 'resumed'), /nothing lost/);
  colours.set('resumed', await colour(page));
  await waitForAnswers(page, [long]);

  proxy.mode = Mode.REFUSE;
  await page.getByTestId('drop').click();
  await shows(page, 'failed');
  assert.ok(await page.getByTestId('retry').isVisible(), 'a Retry button');
  colours.set('failed', await colour(page));
  proxy.mode = Mode.PASS;
  await page.getByTestId('retry').click();
  await waitForStatus(page, 'resumed');

  await browser.context.setOffline(true);
  proxy.cutAll();
  await waitForStatus(page, 'offline');
  const queued = 'Written while offline: it waits, queued, until the network is back.';
  await send(page, queued);
  await page.waitForSelector('[data-testid="message"][data-status="queued"]');
  await shows(page, 'offline');
  colours.set('offline', await colour(page));
  await browser.context.setOffline(false);
  await waitForAnswers(page, [queued]);

  // The gateway restarts without its sessions (memory store): the resume finds nothing and says so.
  const restarted = await startGateway('states-2', GATEWAY_FLAGS);
  gateways.push(restarted);
  proxy.backendPort = restarted.port;
  await gateways[0].kill();
  proxy.cutAll();
  assert.match(await shows(page, 'new session'), /expired/);
  colours.set('new session', await colour(page));

  await page.getByTestId('end').click();
  await shows(page, 'closed');
  colours.set('closed', await colour(page));
  // After the end, New conversation starts another session.
  await page.getByTestId('restart').click();
  await waitForStatus(page, 'connected');
  const again = 'A new conversation after the end.';
  await send(page, again);
  assert.equal((await waitForAnswers(page, [again]))[0].reply, again);

  assert.equal(new Set(colours.values()).size, 8, `eight distinct colours: ${JSON.stringify([...colours])}`);
  assert.deepEqual(browser.errors.map(String), []);
});
