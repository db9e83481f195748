import { TetherClient } from './client.js';
import type { TetherClientOptions } from './client.js';
import type { Entry } from './conversation.js';
import type { SequencedFrame } from './frames.js';

/**
 * A transport for the Vercel AI SDK's `useChat` (its `ChatTransport` interface), so that an app built on the SDK
 * gets Tether's resume by changing one line:
 *
 * ```ts
 * const { messages, sendMessage, stop } = useChat({ transport: new TetherChatTransport({ url }), resume: true });
 * ```
 *
 * The SDK is not a dependency: the few types it exchanges are declared here structurally.
 */

/** The part of the SDK's `UIMessage` the transport reads. */
export interface UIMessageLike {
  id: string;
  role: 'system' | 'user' | 'assistant';
  parts: Array<{ type: string; text?: string }>;
}

/** The UI message chunks the transport writes, a subset of the SDK's `UIMessageChunk`. */
export type TetherUIMessageChunk =
  | { type: 'start'; messageId?: string }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'finish'; finishReason?: 'stop' | 'error' | 'other' }
  | { type: 'abort'; reason?: string }
  | { type: 'error'; errorText: string };

/**
 * Sends the newest user message of a `useChat` conversation as a Tether user message, and streams its reply back
 * as UI message chunks. The reply survives cuts and reloads like any Tether reply: after a reload, `useChat`'s
 * resume calls {@link reconnectToStream}, which replays the unfinished reply from its beginning (the SDK's
 * `resumeStreamIsReplay`) and then streams the rest.
 */
export class TetherChatTransport {
  /** A reconnected stream starts the reply over, so the SDK rebuilds the message from it. */
  readonly resumeStreamIsReplay = true;
  readonly client: TetherClient;
  private readonly owned: boolean;

  /** Given options the transport makes (and on `close` disposes) its client; given a client it only uses it. */
  constructor(clientOrOptions: TetherClient | TetherClientOptions) {
    this.owned = !(clientOrOptions instanceof TetherClient);
    this.client = clientOrOptions instanceof TetherClient ? clientOrOptions : new TetherClient(clientOrOptions);
  }

  /**
   * Sends the text of the newest user message (also for `regenerate-message`: the gateway answers a message once,
   * so regenerating sends it again) and resolves with the stream of its reply. Aborting sends Tether's `cancel`.
   */
  async sendMessages(options: {
    trigger: 'submit-message' | 'regenerate-message';
    chatId: string;
    messageId: string | undefined;
    messages: UIMessageLike[];
    abortSignal: AbortSignal | undefined;
  }): Promise<ReadableStream<TetherUIMessageChunk>> {
    const last = [...options.messages].reverse().find((message) => message.role === 'user');
    if (!last) {
      throw new TypeError('sendMessages needs a user message to send');
    }
    const text = last.parts.filter((part) => part.type === 'text').map((part) => part.text ?? '').join('');
    this.connect();
    // Frames that come before the ack says which cseq is ours are kept, then filtered.
    const early: SequencedFrame[] = [];
    const stopEarly = this.client.on('message', (frame) => early.push(frame));
    let cseq: number;
    try {
      cseq = await this.client.send(text);
    } finally {
      stopEarly();
    }
    return this.replyStream(cseq, '', early, options.abortSignal);
  }

  /**
   * The reply still streaming, if the conversation's newest reply has not ended: replayed from its beginning, then
   * live; null when there is none.
   */
  async reconnectToStream(options: { chatId: string; abortSignal?: AbortSignal }): Promise<
    ReadableStream<TetherUIMessageChunk> | null> {
    const reply = unfinishedReply(this.client.conversation.entries);
    if (!reply) {
      return null;
    }
    this.connect();
    return this.replyStream(reply.replyTo, reply.text, [], options.abortSignal);
  }

  /** Releases the client when the transport made it (without ending the session). */
  close(): void {
    if (this.owned) {
      this.client.dispose();
    }
  }

  private connect(): void {
    if (this.client.state === 'idle' || this.client.state === 'failed') {
      this.client.connect().catch(() => {
        // A failure reaches the stream as the error that the pending send or reply gets.
      });
    }
  }

  private replyStream(replyTo: number, replayed: string, early: SequencedFrame[],
                      abortSignal: AbortSignal | undefined): ReadableStream<TetherUIMessageChunk> {
    const client = this.client;
    const textId = `text-${replyTo}`;
    let cleanup = () => {};
    return new ReadableStream<TetherUIMessageChunk>({
      start(controller) {
        let ended = false;
        const end = () => {
          ended = true;
          cleanup();
          controller.close();
        };
        const onFrame = (frame: SequencedFrame) => {
          if (ended || frame.type === 'event' || frame.replyTo !== replyTo) {
            return;
          }
          if (frame.type === 'assistant_delta') {
            if (frame.text.length > 0) {
              controller.enqueue({ type: 'text-delta', id: textId, delta: frame.text });
            }
            return;
          }
          controller.enqueue({ type: 'text-end', id: textId });
          switch (frame.reason) {
            case 'complete':
              controller.enqueue({ type: 'finish', finishReason: 'stop' });
              break;
            case 'cancelled':
              controller.enqueue({ type: 'abort', reason: 'cancelled' });
              break;
            default:
              controller.enqueue({ type: 'error', errorText: frame.error?.message
                ? `${frame.reason}: ${frame.error.message}` : `the reply ended ${frame.reason}` });
          }
          end();
        };
        const session = client.session?.id ?? 'session';
        controller.enqueue({ type: 'start', messageId: `tether-${session}-${replyTo}` });
        controller.enqueue({ type: 'text-start', id: textId });
        if (replayed.length > 0) {
          controller.enqueue({ type: 'text-delta', id: textId, delta: replayed });
        }
        const offMessage = client.on('message', onFrame);
        const offState = client.on('stateChange', ({ current }) => {
          // Only an end for good stops the stream: a cut resumes and the reply goes on.
          if (!ended && (current === 'failed' || current === 'closed')) {
            controller.enqueue({ type: 'error', errorText: `the connection ${current}` });
            end();
          }
        });
        const onAbort = () => {
          if (!ended) {
            client.cancel(replyTo).catch(() => {});
            end();
          }
        };
        abortSignal?.addEventListener('abort', onAbort);
        cleanup = () => {
          offMessage();
          offState();
          abortSignal?.removeEventListener('abort', onAbort);
        };
        early.forEach(onFrame);
        if (abortSignal?.aborted) {
          onAbort();
        }
      },
      cancel() {
        cleanup();
      },
    });
  }
}

/** The reply still to come or still streaming: the newest reply if it has not ended, or one for a message sent
 *  after it that has no reply yet. */
function unfinishedReply(entries: Entry[]): { replyTo: number; text: string } | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (entry.kind === 'reply') {
      return entry.done === undefined ? { replyTo: entry.replyTo, text: entry.text } : undefined;
    }
    if (entry.kind === 'user' && entry.status !== 'failed') {
      return { replyTo: entry.cseq, text: '' };
    }
  }
  return undefined;
}
