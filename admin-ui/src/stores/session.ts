import { defineStore } from 'pinia';
import { api, errorText, setCsrfToken, type SessionInfo } from '../api/client.ts';

interface SessionState {
  /** False until the first answer from `GET /api/auth/session`. */
  loaded: boolean;
  authenticated: boolean;
  adminPasswordSet: boolean;
  totpEnrolled: boolean;
  expiresAt: string | undefined;
  /** Why the session could not be read (server down, say); shown on the login screen. */
  loadError: string | undefined;
}

/** What the admin knows about its own session; the cookie itself is HttpOnly and never seen here. */
export const useSessionStore = defineStore('session', {
  state: (): SessionState => ({
    loaded: false,
    authenticated: false,
    adminPasswordSet: true,
    totpEnrolled: false,
    expiresAt: undefined,
    loadError: undefined,
  }),
  actions: {
    apply(info: SessionInfo): void {
      setCsrfToken(info.csrfToken);
      this.loaded = true;
      this.authenticated = info.authenticated;
      this.adminPasswordSet = info.adminPasswordSet;
      this.totpEnrolled = info.totpEnrolled ?? false;
      this.expiresAt = info.expiresAt;
      this.loadError = undefined;
    },
    async refresh(): Promise<void> {
      this.apply(await api.session());
    },
    /** Reads the session once per page load; a failure is kept to show, not thrown at the router. */
    async ensureLoaded(): Promise<void> {
      if (this.loaded) return;
      try {
        await this.refresh();
      } catch (error) {
        this.loadError = errorText(error);
      }
    },
    async login(password: string): Promise<void> {
      const result = await api.login(password);
      setCsrfToken(result.csrfToken);
      // The session was rotated on login: read it back so expiry and 2FA state are current.
      await this.refresh();
    },
    async logout(): Promise<void> {
      await api.logout();
      this.forget();
      await this.refresh();
    },
    /** The server says the session is gone (expired, idle): forget it without asking again. */
    forget(): void {
      this.authenticated = false;
      this.totpEnrolled = false;
      this.expiresAt = undefined;
    },
  },
});
