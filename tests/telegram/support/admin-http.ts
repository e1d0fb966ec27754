/** The admin API over real HTTP, as a script would use it: session cookie, CSRF token, login. */
export class AdminHttp {
  readonly #base: string;
  #cookie = '';
  #csrf = '';

  constructor(base: string) {
    this.#base = base;
  }

  async login(password: string): Promise<void> {
    await this.request('GET', '/api/auth/session');
    const response = await this.request('POST', '/api/auth/login', { password });
    if (response.status !== 200)
      throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: {
        ...(this.#cookie ? { cookie: this.#cookie } : {}),
        ...(this.#csrf ? { 'x-csrf-token': this.#csrf } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('talon_session='));
    if (setCookie) this.#cookie = setCookie.split(';', 1)[0]!;
    const text = await response.text();
    const parsed = text === '' ? null : (JSON.parse(text) as unknown);
    if (
      parsed &&
      typeof parsed === 'object' &&
      'csrfToken' in parsed &&
      typeof parsed.csrfToken === 'string'
    ) {
      this.#csrf = parsed.csrfToken;
    }
    return { status: response.status, body: parsed };
  }
}
