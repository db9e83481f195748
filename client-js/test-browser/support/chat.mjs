// Reads and drives the chat page through its documented markers (page/README.md): data-testid attributes only.

/** How long a verdict may take on a loaded two-core machine; conditions are polled, never slept for. */
export const PATIENCE_MS = 45_000;

/** Opens the page in a new tab of the context; conversation names its own storage key, so tests do not share one. */
export async function openChat(context, baseUrl, conversation, query = '') {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/?conversation=${encodeURIComponent(conversation)}${query}`);
  return page;
}

/** The status's text: one of the eight state names. */
export async function status(page) {
  return (await page.getByTestId('status').textContent()).trim();
}

/** Waits until the status is one of names. */
export async function waitForStatus(page, names, timeout = PATIENCE_MS) {
  const wanted = [names].flat();
  try {
    await page.waitForFunction(
      (list) => list.includes(document.querySelector('[data-testid="status"]')?.textContent.trim()),
      wanted, { polling: 25, timeout });
  } catch (error) {
    throw new Error(`status did not become ${wanted.join(' or ')} within ${timeout} ms: it is "${await status(page)}" `
      + `(${await page.getByTestId('status-detail').textContent()})`, { cause: error });
  }
}

/** Types text into the input and presses Send. */
export async function send(page, text) {
  await page.getByTestId('input').fill(text);
  await page.getByTestId('send').click();
}

/** Every user message and reply on the page, in order. */
export function conversation(page) {
  return page.evaluate(() => ({
    messages: [...document.querySelectorAll('[data-testid="message"]')].map((item) => ({
      cseq: Number(item.dataset.cseq),
      status: item.dataset.status,
      text: item.querySelector('.bubble').textContent,
    })),
    replies: [...document.querySelectorAll('[data-testid="reply"]')].map((reply) => ({
      replyTo: Number(reply.dataset.replyTo),
      done: reply.dataset.done ?? null,
      text: reply.textContent,
    })),
  }));
}

/**
 * Waits until each of texts was sent and its reply has ended; returns, per text, the message's cseq, the reply's
 * end reason and text, and how many messages and replies the page shows for it (exactly once means 1 and 1).
 */
export async function waitForAnswers(page, texts, timeout = PATIENCE_MS) {
  const done = (list) => {
    const messages = [...document.querySelectorAll('[data-testid="message"]')];
    return list.every((text) => {
      const message = messages.find((item) => item.querySelector('.bubble').textContent === text);
      const reply = message
        && document.querySelector(`[data-testid="reply"][data-reply-to="${message.dataset.cseq}"][data-done]`);
      return Boolean(reply);
    });
  };
  try {
    await page.waitForFunction(done, texts, { polling: 50, timeout });
  } catch (error) {
    throw new Error(`replies did not end within ${timeout} ms; the page shows ${JSON.stringify(await conversation(page))}`,
      { cause: error });
  }
  const view = await conversation(page);
  return texts.map((text) => {
    const messages = view.messages.filter((message) => message.text === text);
    const replies = view.replies.filter((reply) => reply.replyTo === messages[0].cseq);
    return {
      text,
      cseq: messages[0].cseq,
      messages: messages.length,
      replies: replies.length,
      done: replies[0].done,
      reply: replies[0].text,
    };
  });
}

/** Waits until the reply to the message text has streamed part of its text, and not all of it; returns that part. */
export async function waitForPartialReply(page, text, timeout = PATIENCE_MS) {
  const handle = await page.waitForFunction((wanted) => {
    const message = [...document.querySelectorAll('[data-testid="message"]')]
      .find((item) => item.querySelector('.bubble').textContent === wanted);
    const reply = message && document.querySelector(`[data-testid="reply"][data-reply-to="${message.dataset.cseq}"]`);
    return reply && !reply.dataset.done && reply.textContent.length > 0 ? reply.textContent : null;
  }, text, { polling: 10, timeout });
  return handle.jsonValue();
}

/** A message of n distinct words, so that a reply's text shows any word lost, repeated or out of order. */
export function words(tag, n) {
  return Array.from({ length: n }, (_, i) => `${tag}-${i + 1}`).join(' ');
}

/** A small seeded generator, so that a failing run of random faults can be replayed with its seed. */
export function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves after ms: only to place a fault at a chosen moment, never to wait for a verdict. */
export function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
