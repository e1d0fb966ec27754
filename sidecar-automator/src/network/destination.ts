/** `host:port` of a URL, as the egress proxy names destinations. */
export function destinationOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'https:' || parsed.protocol === 'wss:' ? '443' : '80');
    return `${parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase()}:${port}`;
  } catch {
    return undefined;
  }
}
