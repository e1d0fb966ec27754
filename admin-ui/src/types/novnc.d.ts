// The part of noVNC's RFB client (@novnc/novnc 1.7, plain JavaScript without types) the live view uses.
declare module '@novnc/novnc' {
  export interface RfbOptions {
    /** WebSocket subprotocols offered; the core's live-view proxy speaks `binary`. */
    wsProtocols?: string[];
    shared?: boolean;
  }

  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, url: string, options?: RfbOptions);
    /** Scale the remote screen to fit the target element. */
    scaleViewport: boolean;
    /** Never ask the server to change its screen size. */
    resizeSession: boolean;
    viewOnly: boolean;
    focusOnClick: boolean;
    background: string;
    disconnect(): void;
    focus(): void;
    /** The client's protocol messages (noVNC internals, used by novnc-csp.ts). */
    static messages: {
      clientEncodings(sock: unknown, encodings: number[]): void;
    };
  }
}
