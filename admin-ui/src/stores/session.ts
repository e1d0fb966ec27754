import { defineStore } from 'pinia';
import { api, ApiError, errorText, setCsrfToken, type LoginResult, type SessionInfo } from '../api/client.ts';

interface SessionState {
  /** False until the first answer from `GET /api/auth/session`. */
  loaded: boolean;
  authenticated: boolean;
  adminPasswordSet: boolean;
  totpEnrolled: boolean;
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
    loadError: undefined,
  }),
  actions: {
    apply(info: SessionInfo): void {
      setCsrfToken(info.csrfToken);
      this.loaded = true;
      this.authenticated = info.authenticated;
      this.adminPasswordSet = info.adminPasswordSet;
      this.totpEnrolled = info.totpEnrolled ?? false;
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
      let result: LoginResult;
      try {
        result = await api.login(password);
      } catch (error) {
        // The cookie holding the CSRF secret is gone (expired, cleared): take a fresh token, try once more.
        if (!(error instanceof ApiError && error.code === 'csrf_invalid')) throw error;
        await this.refresh();
        result = await api.login(password);
      }
      setCsrfToken(result.csrfToken);
      // The session was rotated on login: read it back so expiry and 2FA state are current.
      await this.refresh();
    },
    async logout(): Promise<void> {
      await api.logout();
      this.forget();
      await this.refresh();
    },
    /** The server says the session is gone (expired, idle): forget it, and fetch the anonymous one's CSRF token. */
    async sessionLost(): Promise<void> {
      this.forget();
      try {
        await this.refresh();
      } catch (error) {
        this.loadError = errorText(error);
      }
    },
    forget(): void {
      this.authenticated = false;
      this.totpEnrolled = false;
    },
  },
});
