// The chat page served by the gateway at /: one conversation with the echo (or any) handler, through the Tether
// client. Its data-testid markers are a contract (see README.md beside this file): keep them stable.
import { TetherClient } from './client/index.js';
import type { ConnectionState, Entry, TetherClientOptions, TetherEvents } from './client/index.js';

/** What the status shows: the client's state, refined by the last welcome and by the browser's network. */
type PageStatus =
  | 'connecting' | 'connected' | 'reconnecting' | 'resumed' | 'new session' | 'offline' | 'failed' | 'closed';

declare global {
  interface Window {
    /** The page's client, for a look from the browser's console. */
    tether?: TetherClient;
  }
}

const RESUME_FAILURES: Record<string, string> = {
  not_found: 'the session expired',
  bad_token: 'the session was refused',
  history_lost: 'the gateway lost the session’s history',
  history_truncated: 'part of the session’s history was trimmed',
};

const END_REASONS: Record<string, string> = {
  cancelled: 'stopped',
  failed: 'failed',
  interrupted: 'interrupted: the gateway node writing it went away',
};

function element<T extends HTMLElement>(testId: string): T {
  const found = document.querySelector<T>(`[data-testid="${testId}"]`);
  if (!found) {
    throw new Error(`the page has no element ${testId}`);
  }
  return found;
}

const ui = {
  status: element('status').parentElement as HTMLElement,
  statusName: element('status'),
  statusDetail: element('status-detail'),
  drop: element<HTMLButtonElement>('drop'),
  restart: element<HTMLButtonElement>('restart'),
  end: element<HTMLButtonElement>('end'),
  banner: element('banner'),
  bannerText: element('banner-text'),
  retry: element<HTMLButtonElement>('retry'),
  conversation: element('conversation'),
  empty: element('empty'),
  entries: element<HTMLOListElement>('entries'),
  composer: element<HTMLFormElement>('composer'),
  input: element<HTMLTextAreaElement>('input'),
  send: element<HTMLButtonElement>('send'),
  stop: element<HTMLButtonElement>('stop'),
  hint: element('hint'),
};

/** The WebSocket endpoint of the gateway that served this page. */
function webSocketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

/** Client options; the reconnect policy can be tuned from the query string (?maxAttempts=3&baseDelayMs=200). */
function clientOptions(): TetherClientOptions {
  const query = new URLSearchParams(location.search);
  const reconnect: NonNullable<TetherClientOptions['reconnect']> = {};
  for (const name of ['baseDelayMs', 'maxDelayMs', 'maxAttempts'] as const) {
    const raw = query.get(name);
    const value = raw === 'Infinity' ? Infinity : Number(raw);
    if (raw !== null && raw !== '' && value >= 0) {
      reconnect[name] = value;
    }
  }
  const options: TetherClientOptions = { url: webSocketUrl(), reconnect };
  const conversation = query.get('conversation');
  if (conversation) {
    options.storageKey = `tether:${conversation}`;
  }
  return options;
}

// Replaced by a new one only to start over after the session was ended: a closed client stays closed.
let client = new TetherClient(clientOptions());
let detach: Array<() => void> = [];

let state: ConnectionState = client.state;
let welcome: TetherEvents['resumed'] | undefined;
let retryAt: { attempt: number; max: number; at: number } | undefined;
let lastClose: TetherEvents['closed'] | undefined;
let offline = !navigator.onLine;
let stopping: number | undefined;

function status(): [PageStatus, string] {
  switch (state) {
    case 'closed':
      return ['closed', lastClose?.reason ? `the session ended (${lastClose.reason})` : 'the session ended'];
    case 'failed':
      return ['failed', failure()];
    default:
      break;
  }
  if (offline) {
    return ['offline', 'the browser has no network; messages wait here until it is back'];
  }
  switch (state) {
    case 'idle':
    case 'connecting':
      return ['connecting', `to ${webSocketUrl()}`];
    case 'reconnecting':
      return ['reconnecting', retryText()];
    case 'connected':
      if (welcome?.resumed) {
        return ['resumed', 'session restored, nothing lost'];
      }
      if (welcome?.reason) {
        return ['new session', RESUME_FAILURES[welcome.reason] ?? welcome.reason];
      }
      return ['connected', ''];
  }
}

function failure(): string {
  if (lastClose && lastClose.code !== 1006) {
    return `the gateway closed the connection (${lastClose.code}${lastClose.reason ? `: ${lastClose.reason}` : ''})`;
  }
  return 'the gateway cannot be reached';
}

function retryText(): string {
  if (!retryAt) {
    return 'connection lost';
  }
  const seconds = Math.max(0, Math.ceil((retryAt.at - performance.now()) / 1000));
  const of = Number.isFinite(retryAt.max) ? ` of ${retryAt.max}` : '';
  return seconds > 0 ? `attempt ${retryAt.attempt}${of}, retry in ${seconds} s` : `attempt ${retryAt.attempt}${of}`;
}

function renderStatus(): void {
  const [name, detail] = status();
  ui.status.dataset.state = name.replace(' ', '-');
  ui.statusName.textContent = name;
  ui.statusDetail.textContent = detail;

  const banner = name === 'failed' || name === 'closed' || name === 'offline' || name === 'new session';
  ui.banner.hidden = !banner;
  ui.banner.dataset.state = name.replace(' ', '-');
  ui.bannerText.textContent = bannerText(name);
  ui.retry.hidden = name !== 'failed';

  ui.drop.disabled = state !== 'connected' || client.role === 'follower';
  ui.end.disabled = state === 'closed';
  ui.send.disabled = state === 'closed';
  ui.input.disabled = state === 'closed';
  document.title = name === 'connected' || name === 'resumed' ? 'Tether chat' : `Tether chat (${name})`;
  renderHint();
}

function bannerText(name: PageStatus): string {
  switch (name) {
    case 'failed':
      return `Not connected: ${failure()}. Messages you write are kept and sent once the connection is back.`;
    case 'closed':
      return 'This conversation has ended. New conversation starts another.';
    case 'offline':
      return 'You are offline. Messages you write now are queued and sent once the network is back.';
    case 'new session':
      return `A new session started because ${RESUME_FAILURES[welcome?.reason ?? ''] ?? welcome?.reason}: `
        + 'replies still missing from the old one will not arrive.';
    default:
      return '';
  }
}

function keyOf(entry: Entry): string {
  switch (entry.kind) {
    case 'user':
      return `user:${entry.cseq}`;
    case 'reply':
      return `reply:${entry.replyTo}`;
    case 'event':
      return `event:${entry.seq}`;
  }
}

function create(entry: Entry): HTMLLIElement {
  const item = document.createElement('li');
  item.className = `entry ${entry.kind}`;
  item.dataset.key = keyOf(entry);
  const bubble = document.createElement('div');
  bubble.className = 'bubble';
  const meta = document.createElement('div');
  meta.className = 'meta';
  switch (entry.kind) {
    case 'user':
      item.dataset.testid = 'message';
      item.dataset.cseq = String(entry.cseq);
      break;
    case 'reply':
      bubble.dataset.testid = 'reply';
      bubble.dataset.replyTo = String(entry.replyTo);
      break;
    case 'event':
      item.dataset.testid = 'event';
      break;
  }
  item.append(bubble, meta);
  return item;
}

function update(item: HTMLLIElement, entry: Entry): void {
  const bubble = item.firstElementChild as HTMLElement;
  const meta = item.lastElementChild as HTMLElement;
  let text: string;
  let note = '';
  switch (entry.kind) {
    case 'user':
      text = entry.text;
      item.dataset.status = entry.status;
      note = entry.status === 'queued' ? 'queued' : entry.status === 'sent' ? 'sending…' : '';
      break;
    case 'reply':
      text = entry.text;
      if (entry.done !== undefined) {
        bubble.dataset.done = entry.done;
        item.classList.remove('streaming');
        if (entry.done !== 'complete') {
          note = END_REASONS[entry.done] ?? entry.done;
        }
        if (entry.error) {
          note += ` (${entry.error.message || entry.error.code})`;
        }
      } else {
        delete bubble.dataset.done;
        item.classList.add('streaming');
      }
      item.dataset.done = entry.done ?? '';
      break;
    case 'event':
      text = `${entry.name} ${JSON.stringify(entry.data)}`;
      break;
  }
  if (bubble.textContent !== text) {
    bubble.textContent = text;
  }
  if (meta.textContent !== note) {
    meta.textContent = note;
  }
  meta.hidden = note === '';
}

function renderConversation(): void {
  const entries = client.conversation.entries;
  const scroller = ui.conversation;
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  const list = ui.entries;
  entries.forEach((entry, index) => {
    let item = list.children[index] as HTMLLIElement | undefined;
    if (!item || item.dataset.key !== keyOf(entry)) {
      const fresh = create(entry);
      if (item) {
        list.replaceChild(fresh, item);
      } else {
        list.append(fresh);
      }
      item = fresh;
    }
    update(item, entry);
  });
  while (list.children.length > entries.length) {
    list.lastElementChild!.remove();
  }
  ui.empty.hidden = entries.length > 0;
  if (atBottom) {
    scroller.scrollTop = scroller.scrollHeight;
  }
  renderStop(entries);
}

/** The user message whose reply is being written, if any: the Stop button cancels it. */
function inProgress(entries: readonly Entry[]): number | undefined {
  const ended = new Set<number>();
  for (const entry of entries) {
    if (entry.kind === 'reply' && entry.done !== undefined) {
      ended.add(entry.replyTo);
    }
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i];
    if (entry.kind === 'reply' && entry.done === undefined) {
      return entry.replyTo;
    }
    if (entry.kind === 'user' && entry.status === 'acked' && !ended.has(entry.cseq)) {
      return entry.cseq;
    }
  }
  return undefined;
}

function renderStop(entries: readonly Entry[]): void {
  const target = inProgress(entries);
  if (target !== stopping) {
    stopping = undefined;
  }
  ui.stop.disabled = target === undefined || stopping !== undefined || state === 'closed';
  ui.stop.dataset.replyTo = target === undefined ? '' : String(target);
}

const HINT = 'Enter sends, Shift+Enter starts a new line.';
let noticeShown = false;

/** The line under the input: a problem to report, else how to type and whether this tab mirrors another. */
function renderHint(): void {
  if (noticeShown) {
    return;
  }
  ui.hint.textContent = client.role === 'follower'
    ? `${HINT} Another tab holds this conversation’s connection; this one mirrors it.`
    : HINT;
}

function notice(message: string): void {
  noticeShown = true;
  ui.hint.textContent = message;
  ui.hint.classList.add('notice');
}

function send(): void {
  const text = ui.input.value;
  if (text.trim() === '' || state === 'closed') {
    return;
  }
  ui.input.value = '';
  ui.input.focus();
  noticeShown = false;
  ui.hint.classList.remove('notice');
  renderHint();
  client.send(text).catch((error: unknown) => notice(`Not sent: ${error instanceof Error ? error.message : error}`));
}

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});
ui.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
ui.stop.addEventListener('click', () => {
  const target = inProgress(client.conversation.entries);
  if (target === undefined) {
    return;
  }
  stopping = target;
  ui.stop.disabled = true;
  client.cancel(target).catch((error: unknown) => {
    stopping = undefined;
    notice(`Could not stop the reply: ${error instanceof Error ? error.message : error}`);
    renderConversation();
  });
});
ui.drop.addEventListener('click', () => client.disconnect());
ui.retry.addEventListener('click', () => client.retry());
ui.end.addEventListener('click', () => {
  client.close().catch((error: unknown) => notice(`Could not end the session: ${error}`));
});
ui.restart.addEventListener('click', () => {
  welcome = undefined;
  if (state === 'closed') {
    attach(new TetherClient(clientOptions()));
    return;
  }
  client.restart({ outbox: 'drop' }).catch((error: unknown) => notice(`Could not start over: ${error}`));
});

/** Shows next's state and conversation from now on, and connects it. */
function attach(next: TetherClient): void {
  detach.forEach((unsubscribe) => unsubscribe());
  if (client !== next) {
    // The ended client still holds this conversation's tab lock; the new one needs it.
    client.dispose();
  }
  client = next;
  window.tether = next;
  state = next.state;
  welcome = undefined;
  retryAt = undefined;
  lastClose = undefined;
  stopping = undefined;
  detach = [
    next.on('stateChange', ({ current }) => {
      state = current;
      if (current !== 'connected') {
        welcome = undefined;
      }
      if (current !== 'reconnecting') {
        retryAt = undefined;
      }
      renderStatus();
      renderConversation();
    }),
    next.on('resumed', (event) => {
      welcome = event;
      renderStatus();
    }),
    next.on('reconnecting', ({ attempt, max, delayMs }) => {
      retryAt = { attempt, max, at: performance.now() + delayMs };
      renderStatus();
    }),
    next.on('closed', (event) => {
      lastClose = event;
      renderStatus();
    }),
    next.on('error', ({ code, message }) => notice(`${code}: ${message}`)),
    next.on('conversation', () => renderConversation()),
  ];
  renderStatus();
  renderConversation();
  next.connect().catch(() => {
    // The status shows why; the client keeps trying on its own.
  });
}

window.addEventListener('online', () => {
  offline = false;
  renderStatus();
});
window.addEventListener('offline', () => {
  offline = true;
  renderStatus();
});
// The reconnect countdown.
setInterval(() => {
  if (state === 'reconnecting') {
    renderStatus();
  }
}, 250);

attach(client);
