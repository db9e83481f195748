import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { TetherClient } from '../../src/client.js';
import { FakeClock } from '../../src/clock.js';
import { memoryStore } from '../../src/storage.js';
import type { TabsApi } from '../../src/tabs.js';
import { alwaysActive } from '../../src/visibility.js';
import type { PageEnvironment } from '../../src/visibility.js';
import { FakePage } from '../support/setup.js';
import { FakeNetwork, welcome } from '../support/fake-socket.js';
import { FakeLocks } from '../support/fake-locks.js';

// Tabs of one browser profile: one localStorage, one lock manager; BroadcastChannel is Node's own.
function browser() {
  const storage = memoryStore();
  const locks = new FakeLocks();
  const api: TabsApi = { locks, channel: (name) => new BroadcastChannel(name) as never };
  const tabs: Array<{ client: TetherClient; net: FakeNetwork; clock: FakeClock }> = [];
  const open = (environment: PageEnvironment = alwaysActive) => {
    const net = new FakeNetwork();
    const clock = new FakeClock();
    const client = new TetherClient({ url: 'ws://gateway.test/ws', WebSocket: net.WebSocket, clock,
      storage, environment, pauseWhenHidden: true, tabsApi: api, random: () => 0.5 });
    const tab = { client, net, clock };
    tabs.push(tab);
    return tab;
  };
  return { storage, locks, open, tabs };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('tabs', () => {
  const opened: TetherClient[] = [];
  afterEach(() => {
    opened.splice(0).forEach((client) => client.dispose());
  });

  it('one tab holds the connection; another mirrors it and sends through it', async () => {
    const b = browser();
    const first = b.open();
    opened.push(first.client);
    const connected = first.client.connect();
    await until(() => first.net.sockets.length === 1, 'the first tab to lead and connect');
    assert.equal(first.client.role, 'leader');
    first.net.last.open();
    first.net.last.receive(welcome());
    await connected;

    const second = b.open();
    opened.push(second.client);
    await second.client.connect();
    assert.equal(second.client.role, 'follower');
    assert.equal(second.client.state, 'connected');
    assert.equal(second.net.sockets.length, 0);
    assert.equal(second.client.session?.id, 'S1');

    const seen: number[] = [];
    second.client.on('message', (frame) => seen.push(frame.seq));
    const sent = second.client.send('from the second tab');
    await until(() => first.net.last.framesOf('user_message').length === 1, 'the leader to write the message');
    assert.deepEqual(first.net.last.framesOf('user_message'), [{ type: 'user_message', cseq: 1,
      text: 'from the second tab' }]);
    first.net.last.receive({ type: 'ack', cseq: 1 });
    assert.equal(await sent, 1);
    first.net.last.receive({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'from' });
    first.net.last.receive({ type: 'assistant_done', seq: 2, replyTo: 1, reason: 'complete' });
    await until(() => seen.length === 2, 'the follower to see both frames');
    assert.deepEqual(seen, [1, 2]);
    await until(() => second.client.conversation.entries.length === 2, 'the follower\'s conversation');
    assert.deepEqual(second.client.conversation, first.client.conversation);
  });

  it('when the leading tab goes away, a follower takes the connection over and resumes', async () => {
    const b = browser();
    const first = b.open();
    const connected = first.client.connect();
    await until(() => first.net.sockets.length === 1, 'the first tab to lead and connect');
    assert.equal(first.client.role, 'leader');
    first.net.last.open();
    first.net.last.receive(welcome());
    await connected;
    first.net.last.receive({ type: 'assistant_delta', seq: 1, replyTo: 1, text: 'half' });

    const second = b.open();
    opened.push(second.client);
    await second.client.connect();
    assert.equal(second.client.role, 'follower');

    first.client.dispose();
    await until(() => second.client.role === 'leader', 'the second tab to lead');
    assert.equal(second.client.state, 'connecting');
    second.net.last.open();
    assert.deepEqual(second.net.last.frames[0], { type: 'hello', v: 1,
      resume: { sessionId: 'S1', token: 'T1', epoch: 1, lastSeq: 1 } });
    second.net.last.receive(welcome({ resumed: true, lastSeq: 2 }));
    second.net.last.receive({ type: 'assistant_delta', seq: 2, replyTo: 1, text: ' and the rest' });
    assert.equal(second.client.state, 'connected');
    assert.deepEqual(second.client.conversation.entries, [{ kind: 'reply', replyTo: 1, text: 'half and the rest' }]);
  });

  it('a follower\'s errors keep their class', async () => {
    const b = browser();
    const first = b.open();
    opened.push(first.client);
    const connected = first.client.connect();
    await until(() => first.net.sockets.length === 1, 'the first tab to lead and connect');
    first.net.last.open();
    first.net.last.receive(welcome());
    await connected;
    const second = b.open();
    opened.push(second.client);
    await second.client.connect();
    assert.equal(second.client.role, 'follower');
    const closing = first.client.close();
    first.net.last.end(1000);
    await closing;
    await until(() => second.client.state === 'closed', 'the follower to mirror the close');
    await assert.rejects(second.client.send('too late'), { name: 'ClientClosedError' });
  });

  it('a leader in a hidden tab keeps reconnecting while a follower\'s tab is visible', async () => {
    const b = browser();
    const hidden = new FakePage();
    hidden.set({ hidden: true });
    const first = b.open(hidden);
    opened.push(first.client);
    const connected = first.client.connect();
    await until(() => first.net.sockets.length === 1, 'the first tab to lead and connect');
    first.net.last.open();
    first.net.last.receive(welcome());
    await connected;
    first.net.last.end(1006);
    first.clock.advance(1300);
    assert.equal(first.net.sockets.length, 1, 'no attempt from a hidden page alone');

    const visible = new FakePage();
    const second = b.open(visible);
    opened.push(second.client);
    second.client.connect().catch(() => {});
    // The follower's hello says it is visible: the leader's pending reconnect happens at once.
    await until(() => first.net.sockets.length === 2, 'the hidden leader to reconnect');
    first.net.last.open();
    first.net.last.receive(welcome({ resumed: true }));
    await until(() => second.client.state === 'connected', 'the follower to mirror the connection');
  });

  it("with tabs 'off' every tab connects on its own", () => {
    const net = new FakeNetwork();
    const client = new TetherClient({ url: 'ws://gateway.test/ws', WebSocket: net.WebSocket, clock: new FakeClock(),
      storage: memoryStore(), environment: alwaysActive, tabs: 'off',
      tabsApi: { locks: new FakeLocks(), channel: () => { throw new Error('no channel with tabs off'); } } });
    opened.push(client);
    assert.equal(client.role, 'single');
    client.connect().catch(() => {});
    assert.equal(net.sockets.length, 1);
  });
});
