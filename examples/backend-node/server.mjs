// An application backend for Tether's `--handler http`, in Node.js 20 with no dependencies.
//
//   TETHER_BACKEND_SECRET=... node examples/backend-node/server.mjs   (PORT=8788 by default, 0 for any free port)
//
// It checks each call's signature, answers a call it has already answered (same Idempotency-Key) with the same
// lines, streams its replies word by word as newline-delimited JSON, and keeps a little state per session: the
// language of its replies ("/lang fr") and the digits typed on a keypad (client events {"name": "key",
// "data": {"key": "4"}}) until "#", when it sends the whole number back as an event. A reply whose gateway node died
// is continued: the call comes again with "continueFrom", the reply's text so far, and it sends the rest.

import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

const SECRET = process.env.TETHER_BACKEND_SECRET;
if (!SECRET || Buffer.byteLength(SECRET) < 32) {
  console.error('set TETHER_BACKEND_SECRET to the secret given to the gateway (32 bytes or more)');
  process.exit(2);
}
const PORT = Number(process.env.PORT ?? 8788);
const WORD_DELAY_MS = Number(process.env.WORD_DELAY_MS ?? 60);
const MAX_BODY_BYTES = 1 << 20;
const REMEMBERED_KEYS = 10_000;

const GREETINGS = { en: 'You said', fr: 'Vous avez dit', de: 'Sie sagten', es: 'Dijiste' };

// Answers by Idempotency-Key, oldest first, so that a call the gateway tries again gets the same answer.
const answers = new Map();
// Each session's state, for as long as this process lives; the gateway's copy, sent with each call, wins.
const sessions = new Map();

function signatureMatches(body, header) {
  const expected = Buffer.from('sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'));
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function stateOf(call) {
  const given = call.state;
  if (given && typeof given === 'object' && Object.keys(given).length > 0) {
    return { ...given };
  }
  return { ...(sessions.get(call.sessionId) ?? {}) };
}

/** The lines of the answer to a call, and the pause before each. */
function answer(call) {
  const state = stateOf(call);
  state.lang ??= 'en';
  const lines = [];
  if ('replyTo' in call) {
    const lang = /^\/lang\s+(\w+)/.exec(call.text ?? '');
    if (lang && GREETINGS[lang[1]]) {
      state.lang = lang[1];
      lines.push({ text: `OK: ${lang[1]}.` });
    } else {
      const full = `${GREETINGS[state.lang]}: ${call.text} (turn ${call.history.length / 2 + 1})`;
      // A continuation sends what is missing after the text so far, which is the start of the same answer.
      const from = typeof call.continueFrom === 'string' && full.startsWith(call.continueFrom)
        ? call.continueFrom.length : 0;
      const words = full.slice(from).split(/(?= )/).filter((word) => word.length > 0);
      for (const word of words) {
        lines.push({ text: word });
      }
    }
  } else if (call.event?.name === 'key') {
    const key = String(call.event.data?.key ?? '');
    if (key === '#') {
      lines.push({ event: { name: 'number', data: { digits: state.digits ?? '' } } });
      state.digits = '';
    } else if (/^[0-9*]$/.test(key)) {
      state.digits = (state.digits ?? '') + key;
    }
  }
  sessions.set(call.sessionId, state);
  lines.push({ state });
  return lines;
}

function remember(key, lines) {
  answers.set(key, lines);
  if (answers.size > REMEMBERED_KEYS) {
    answers.delete(answers.keys().next().value);
  }
}

const server = createServer((request, response) => {
  if (request.method !== 'POST') {
    response.writeHead(405).end();
    return;
  }
  const chunks = [];
  let size = 0;
  request.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      response.writeHead(413).end();
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!signatureMatches(body, request.headers['x-tether-signature'])) {
      response.writeHead(401, { 'Content-Type': 'text/plain' }).end('bad signature\n');
      return;
    }
    const key = request.headers['idempotency-key'];
    let lines = answers.get(key);
    const repeated = lines !== undefined;
    if (!repeated) {
      lines = answer(JSON.parse(body.toString('utf8')));
      remember(key, lines);
    }
    console.log(`${key}: ${repeated ? 'answered again' : 'answered'} with ${lines.length} lines`);
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    let next = 0;
    let timer;
    const send = () => {
      if (next === lines.length) {
        response.end();
        return;
      }
      response.write(JSON.stringify(lines[next++]) + '\n');
      timer = setTimeout(send, 'text' in lines[next - 1] ? WORD_DELAY_MS : 0);
    };
    // A client that cancels makes the gateway close the call: stop producing the reply.
    response.on('close', () => {
      if (!response.writableFinished) {
        clearTimeout(timer);
        console.log(`${key}: aborted by the gateway`);
      }
    });
    send();
  });
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
