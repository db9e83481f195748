// Two gateway nodes on one Redis behind HAProxy (scripts/cluster.sh): the node serving the page is killed in the
// middle of a reply, and the page resumes its session on the other node.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { launch } from './support/browser.mjs';
import { openChat, send, waitForAnswers, waitForPartialReply, waitForStatus, words } from './support/chat.mjs';
import { allStarted, gatewayJar, java, OUTPUT, REPO } from './support/gateway.mjs';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'tether-cluster-'));
let cluster;
let browser;

function clusterSh(...args) {
  const at = args.indexOf('--');
  const ours = at < 0 ? [...args, '--dir', dir] : [...args.slice(0, at), '--dir', dir, ...args.slice(at)];
  return run('bash', ['scripts/cluster.sh', ...ours], {
    cwd: REPO,
    env: { ...process.env, JAVA_HOME: join(java(), '../..') },
    timeout: 120_000,
  });
}

/** CLUSTER_* variables of cluster.env. */
function readEnv() {
  const env = {};
  for (const line of readFileSync(join(dir, 'cluster.env'), 'utf8').split('\n')) {
    const match = /^(CLUSTER_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) {
      env[match[1]] = match[2];
    }
  }
  return env;
}

/** The node whose /metrics counts a WebSocket connection: the one serving the page. */
async function servingNode() {
  for (let n = 1; n <= Number(cluster.CLUSTER_NODE_COUNT); n++) {
    // A killed node does not answer: it serves nothing.
    const metrics = await fetch(`http://127.0.0.1:${cluster[`CLUSTER_NODE_${n}_PORT`]}/metrics`)
      .then((response) => response.text(), () => '');
    if (/^tether_connections\S*\s+[1-9]/m.test(metrics)) {
      return cluster[`CLUSTER_NODE_${n}_NAME`];
    }
  }
  return undefined;
}

before(async () => {
  const started = clusterSh('start', '--nodes', '2', '--store', 'redis', '--jar', gatewayJar(), '--timeout', '90',
    '--', '--echo-delay', '60ms', '--reply-lease', '2s');
  const both = await allStarted(started, launch());
  browser = both.values[1];
  both.check();
  cluster = readEnv();
});

after(async () => {
  await browser?.close();
  await clusterSh('stop').catch((error) => console.error(error));
  // The nodes' logs stay for a look after a failure.
  await run('bash', ['-c', `cp "${dir}"/*.log "${OUTPUT}/logs/" 2>/dev/null || true`]).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

test('the node serving the page is killed mid-reply: the page resumes on the other, every word once', async (t) => {
  const page = await openChat(browser.context, cluster.CLUSTER_LB_URL, 'cluster');
  await waitForStatus(page, 'connected');
  const text = words('cluster', 60);
  await send(page, text);
  await waitForPartialReply(page, text);
  const node = await servingNode();
  assert.ok(node, 'one node serves the page');
  await clusterSh('kill-node', node);

  await waitForStatus(page, 'resumed');
  const [answer] = await waitForAnswers(page, [text]);
  t.diagnostic(`${node} killed; the reply ended ${answer.done} with ${answer.reply.split(' ').length} of 60 words`);
  assert.ok(['interrupted', 'complete'].includes(answer.done), `ended ${answer.done}`);
  assert.equal(answer.replies, 1);
  assert.ok(text.startsWith(answer.reply), `every word once, in order: "${answer.reply}"`);
  assert.ok(answer.done === 'interrupted' || answer.reply === text, 'a complete reply is all of it');
  assert.ok([undefined, ' '].includes(text[answer.reply.length]), 'whole words only');

  const next = words('survivor', 6);
  await send(page, next);
  const [served] = await waitForAnswers(page, [next]);
  assert.equal(served.done, 'complete');
  assert.equal(served.reply, next);
  assert.notEqual(await servingNode(), node);
  assert.deepEqual(browser.errors.map(String), []);
});
