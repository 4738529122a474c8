/**
 * Opens Tether's hosted connect page, or one network's sign-in, in a popup and reports how it
 * ended. Tether's callback page posts `{ type: 'tether:connect', sessionId, outcome,
 * connectionIds }` to the window that opened it, at the origin of the session's `returnTo`;
 * this listens for that message from Tether's origin alone.
 */

/** How a connect or reconnect ended, as Tether's callback page reports it. */
export interface ConnectOutcome {
  /** The connect session that ended: the one the hosted page started when a network was picked. */
  readonly sessionId: string;
  /** `connected`, `reauthorized`, or why not: `access_denied`, `scopes_missing`, `account_mismatch`… */
  readonly outcome: string;
  /** The connections connected or re-authorized. */
  readonly connectionIds: readonly string[];
  /** Whether accounts were connected or re-authorized. */
  readonly ok: boolean;
}

export interface OpenOptions {
  /**
   * Tether's origin, where the callback page posts from. By default the opened URL's origin,
   * which is right for `hostedUrl`; set it when opening an `authorizationUrl` (the network's).
   */
  readonly tetherOrigin?: string;
  readonly width?: number;
  readonly height?: number;
  /** The window that opens the popup and hears the outcome; this window by default. */
  readonly window?: Window;
}

/** What a {@link ConnectFlow} dispatches. */
export interface ConnectFlowEvents {
  /** The flow ended at Tether's callback page: connected, re-authorized or refused. */
  outcome: CustomEvent<ConnectOutcome>;
  /** The person closed the popup before the flow ended. */
  closed: Event;
  /**
   * The browser blocked the popup: this window goes to `detail.url` next, unless a listener
   * calls `preventDefault()`. The outcome then comes back to the session's `returnTo` as the
   * `session` and `outcome` query parameters.
   */
  blocked: CustomEvent<{ url: string }>;
}

const CALLBACK_MESSAGE = 'tether:connect';
const CLOSED_POLL_MS = 500;

/** One flow in a popup; listen with `addEventListener('outcome' | 'closed' | 'blocked', …)`. */
export class ConnectFlow extends EventTarget {
  /** Settles with the outcome, or `undefined` when the popup was closed, blocked or {@link close}d. */
  readonly done: Promise<ConnectOutcome | undefined>;
  /** The popup, while the flow runs in one; `null` when the browser blocked it. */
  readonly popup: Window | null = null;
  private finish: (outcome: ConnectOutcome | undefined) => void = () => undefined;
  private stop: () => void = () => undefined;

  constructor(popupUrl: string, fallbackUrl: string, options: OpenOptions) {
    super();
    this.done = new Promise((resolve) => (this.finish = resolve));
    const view = options.window ?? window;
    const origin = options.tetherOrigin ?? new URL(popupUrl, view.location.href).origin;
    const features = `popup,width=${options.width ?? 520},height=${options.height ?? 720}`;
    const popup = view.open(popupUrl, 'tether-connect', features);
    if (!popup) {
      // Dispatched after the caller had the chance to listen.
      queueMicrotask(() => {
        const blocked = new CustomEvent('blocked', {
          detail: { url: fallbackUrl },
          cancelable: true,
        });
        this.finish(undefined);
        if (this.dispatchEvent(blocked)) view.location.assign(fallbackUrl);
      });
      return;
    }
    const onMessage = (message: MessageEvent) => {
      const data = message.data as Partial<Omit<ConnectOutcome, 'ok'>> & { type?: unknown };
      if (message.origin !== origin || message.source !== popup) return;
      if (!data || data.type !== CALLBACK_MESSAGE || typeof data.sessionId !== 'string') return;
      const outcome: ConnectOutcome = {
        sessionId: data.sessionId,
        outcome: String(data.outcome),
        connectionIds: Array.isArray(data.connectionIds) ? data.connectionIds.map(String) : [],
        ok: data.outcome === 'connected' || data.outcome === 'reauthorized',
      };
      this.stop();
      this.finish(outcome);
      this.dispatchEvent(new CustomEvent('outcome', { detail: outcome }));
    };
    // The callback page posts its outcome and closes itself at once, so the poll can see the
    // popup closed while that message still waits in this window's queue: only a popup found
    // closed on two ticks in a row was closed before the flow ended.
    let closedOnce = false;
    const watch = view.setInterval(() => {
      if (!popup.closed) return;
      if (!closedOnce) {
        closedOnce = true;
        return;
      }
      this.stop();
      this.finish(undefined);
      this.dispatchEvent(new Event('closed'));
    }, CLOSED_POLL_MS);
    view.addEventListener('message', onMessage);
    this.stop = () => {
      view.removeEventListener('message', onMessage);
      view.clearInterval(watch);
      this.stop = () => undefined;
    };
    this.popup = popup;
  }

  /** Stops listening and closes the popup. */
  close(): void {
    this.stop();
    this.popup?.close();
    this.finish(undefined);
  }

  override addEventListener<K extends keyof ConnectFlowEvents>(
    type: K,
    listener: (event: ConnectFlowEvents[K]) => void,
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener as EventListener, options);
  }
}

/**
 * Opens a connect session's hosted page (`hostedUrl`) in a popup: the person picks a network
 * there and signs in, and the flow reports the outcome. When the popup is blocked, this window
 * goes to the hosted page instead and comes back to the session's `returnTo`. The session must
 * have a `returnTo` at this page's origin for the outcome to reach it.
 */
export function openHostedConnect(hostedUrl: string, options: OpenOptions = {}): ConnectFlow {
  const popupUrl = new URL(hostedUrl);
  popupUrl.searchParams.set('mode', 'popup');
  return new ConnectFlow(popupUrl.toString(), hostedUrl, options);
}

/**
 * Opens one network's sign-in (`authorizationUrl` of a session started with `mode: 'popup'`)
 * in a popup. `tetherOrigin` is required: the URL is the network's, the outcome comes from
 * Tether. When the popup is blocked, this window goes to the network instead.
 */
export function openNetwork(
  authorizationUrl: string,
  options: OpenOptions & { readonly tetherOrigin: string },
): ConnectFlow {
  return new ConnectFlow(authorizationUrl, authorizationUrl, options);
}
